// An app that declares browser mode only (bench bundle rows).
import { withBrowserMode } from '@oidc-session/angular/browser';

import { bootstrapModeApp } from '../shared/mode-app';

bootstrapModeApp(withBrowserMode());
