// The `region` parameter of the vocabulary endpoints, and the check of a region against the snapshot served.
import type { ServingIndex } from '../../index/types.ts';
import { ApiError } from '../errors.ts';
import { regionParameter } from '../parameters.ts';

export function metaRegion(required: boolean) {
  return regionParameter({
    name: 'region',
    required,
    description: required
      ? 'Region code: two letters, case-insensitive (us = US).'
      : 'Region code: two letters, case-insensitive (us = US). Absent: counts over every region.',
    rule: required
      ? '**required**; two letters, case-insensitive'
      : 'two letters, case-insensitive; absent: every region',
  });
}

/**
 * A region this replica does not serve (absent from the snapshot, or outside its REGIONS) is a 400 naming
 * those it does (not charged). Shared by every endpoint that takes a region.
 */
export function checkRegionServed(index: ServingIndex, region: string | undefined): void {
  if (region !== undefined && !index.regions.includes(region))
    throw new ApiError(
      'invalid_parameter',
      `region ${region} is not served by this replica; it serves only: ${index.regions.join(', ')}`,
    );
}
