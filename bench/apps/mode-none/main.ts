// The bundle rows' baseline: the mode apps' shell without the session layer.
import { bootstrapPlainApp } from '../shared/plain-app';

bootstrapPlainApp();
