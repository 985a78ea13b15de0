// The `region` parameter of the vocabulary endpoints, and its check against the snapshot served.
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

/** A region the snapshot does not serve is a 400 naming those it does (not charged). */
export function checkRegionServed(index: ServingIndex, region: string | undefined): void {
  if (region !== undefined && !index.regions.includes(region))
    throw new ApiError(
      'invalid_parameter',
      `region ${region} has no influencers in this snapshot; regions served: ${index.regions.join(', ')}`,
    );
}
