// An app that declares BFF mode only (bench bundle rows).
import { withBffMode } from '@oidc-session/angular/bff';

import { bootstrapModeApp } from '../shared/mode-app';

bootstrapModeApp(withBffMode());
