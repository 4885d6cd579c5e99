import { expect, test as setup } from "@playwright/test";
import { DEMO_LOGINS, storageStatePath, type DemoRole } from "./support/constants";
import { signIn } from "./support/sign-in";

// Sign in once per role through the real form; the specs reuse these sessions.
for (const role of Object.keys(DEMO_LOGINS) as DemoRole[]) {
  const login = DEMO_LOGINS[role];
  setup(`sign in as ${role}`, async ({ page }) => {
    await signIn(page, login.email, login.password);
    await expect(page).toHaveURL(/\/$/);
    await page.context().storageState({ path: storageStatePath(role) });
  });
}
