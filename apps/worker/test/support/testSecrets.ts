// Fixed secrets of the workerd test environment (vitest.config.ts binds them); never used anywhere else.

export const TEST_ADMIN_TOKEN = 'amber_admin_test-secret-for-workerd-tests-only'
export const TEST_JWT_ISSUER = 'https://id.grove.test'
export const TEST_JWT_SECRET = 'grove-test-shared-secret-0123456789abcdef'
