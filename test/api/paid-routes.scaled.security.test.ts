// The shared route suite for every paid endpoint in the scaled-out mode: PostgreSQL store, Redis limiter
// (real servers). Failing dependencies are in dependencies.test.ts.
import { routeSuite } from './route-suite.ts';
import { SCALED_BACKEND } from './support.ts';

routeSuite(SCALED_BACKEND);
