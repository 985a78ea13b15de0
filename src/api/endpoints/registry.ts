// Every paid endpoint, in the order the OpenAPI document lists them. Registering an endpoint here gives it a
// route (paid-route.ts), its place in /openapi.json (openapi.ts) and the shared route suite
// (test/api/route-suite.ts): keys, QPS, credits, refunds, envelope and fuzzing.
import type { PaidEndpoint } from '../endpoint.ts';
import { INFLUENCER_DETAIL } from './influencer-detail.ts';
import { INFLUENCER_LIST } from './influencer-list.ts';
import { INFLUENCER_TREND } from './influencer-trend.ts';
import { META_CATEGORIES } from './meta-categories.ts';
import { META_LANGUAGES } from './meta-languages.ts';
import { META_PRODUCT_CATEGORIES } from './meta-product-categories.ts';
import { META_REGIONS } from './meta-regions.ts';

/** An endpoint whose query type is forgotten: parse's result only ever goes back into its own check and answer. */
const registered = <Query>(endpoint: PaidEndpoint<Query>): PaidEndpoint =>
  endpoint as unknown as PaidEndpoint;

export const PAID_ENDPOINTS: readonly PaidEndpoint[] = [
  registered(INFLUENCER_LIST),
  registered(INFLUENCER_DETAIL),
  registered(INFLUENCER_TREND),
  registered(META_REGIONS),
  registered(META_CATEGORIES),
  registered(META_PRODUCT_CATEGORIES),
  registered(META_LANGUAGES),
];
