// Imported first by the server entry points: React, Next.js and lib/env.ts read
// NODE_ENV when first loaded, and the server runs the production build
// (`next start` sets the same default).
(process.env as Record<string, string>).NODE_ENV ??= "production";
