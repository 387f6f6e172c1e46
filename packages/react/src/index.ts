export { BrandwaveProvider, useBrandwave, type BrandwaveProviderProps } from './provider.js'
export { brandwaveKeys } from './keys.js'
export { brandwaveQueries } from './queries.js'
export {
  useAuditLogs,
  useChangeMemberRole,
  useChangePassword,
  useDisableTwoFactor,
  useEnableTwoFactor,
  useRemoveMember,
  useSetUpTwoFactor,
  useCreateApiKey,
  useCreatePersonalAccessToken,
  useGetApiKey,
  useGetPersonalAccessToken,
  useListApiKeys,
  useListPersonalAccessTokens,
  useMe,
  useMembers,
  useMyOrganizations,
  useRevokeApiKey,
  useRevokePersonalAccessToken,
  useRotateApiKey,
  useRotatePersonalAccessToken,
  useScopes,
  useUpdateApiKey,
  useUpdatePersonalAccessToken,
} from './hooks.js'
