import { InjectionToken } from '@angular/core';

import { ProviderMetadata } from './provider-endpoints';

/** Metadata known without discovery (the testing kit's fake provider); checked like the rest. */
export const PROVIDER_METADATA_SEED = new InjectionToken<ProviderMetadata | null>(
  'PROVIDER_METADATA_SEED',
  { providedIn: 'root', factory: () => null },
);
