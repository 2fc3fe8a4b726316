/**
 * Field builders the configuration sections share: durations and counts with a default and limits.
 */
import { z } from "zod";

/** A duration in milliseconds, an integer within [min, max]. */
export const ms = (def: number, min = 1, max = 3_600_000) => z.number().int().min(min).max(max).default(def);
/** A count, an integer within [min, max]. */
export const count = (def: number, min = 0, max = 1_000_000_000) => z.number().int().min(min).max(max).default(def);
