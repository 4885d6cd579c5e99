/** The delivery log's states and page size, shared by the server (deliveries.ts) and the console. Pure. */
export const DELIVERY_STATUSES = ["pending", "delivered", "failed", "gone"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const DELIVERY_PAGE = 50;
