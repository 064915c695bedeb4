/**
 * Bundle-time stand-in for `@aws-sdk/credential-provider-node` (aliased by the
 * `AuditFunction` construct). Lambda always hands a function its role's
 * credentials in environment variables, so the SDK's full default chain (SSO,
 * INI files, IMDS, web identity, with their nested STS/SSO clients, ~100 KB
 * minified) is dead weight in a Lambda bundle. Not used outside bundles.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
