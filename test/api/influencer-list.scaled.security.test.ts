// Keys, QPS limits and credits in the scaled-out mode: PostgreSQL store, Redis limiter (real servers).
import { accountSuite } from './account-suite.ts';
import { SCALED_BACKEND } from './support.ts';

accountSuite(SCALED_BACKEND);
