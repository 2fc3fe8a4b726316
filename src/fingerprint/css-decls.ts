/**
 * The declarations of one element as the visibility reader keeps them (./css-style.ts reads them): a field for each
 * thing that hides text, in one hidden class, and the two precedence levels with what waits for the element
 * (./css-deferred.ts). Pure.
 */
import type { DeferredLevel } from "./css-deferred.js";
import type { EffectDecls } from "./css-effects.js";

/** What the visibility-related declarations of one element say; an absent field was not declared. */
export interface StyleDecls extends EffectDecls {
  displayNone?: boolean;
  visibilityHidden?: boolean;
  opacity?: number;
  /** Font size: px when `fontAbsolute`, else a factor of the parent's (em, %, smaller…). */
  fontSize?: number;
  fontAbsolute?: boolean;
  /** 0xRRGGBB, or TRANSPARENT. */
  color?: number;
  /** 0xRRGGBB, TRANSPARENT (shows the parent's), CURRENT_COLOUR (the text's colour) or UNKNOWN_BACKGROUND. */
  background?: number;
  overflowHidden?: boolean;
  /** height, max-height, width, max-width at most 1px (each its own property). */
  heightTiny?: boolean;
  maxHeightTiny?: boolean;
  widthTiny?: boolean;
  maxWidthTiny?: boolean;
  /** position absolute or fixed. */
  positioned?: boolean;
  /** left or top far off the page (each its own property). */
  leftFar?: boolean;
  topFar?: boolean;
  /** text-indent or a margin far off the page. */
  indentFar?: boolean;
  marginFar?: boolean;
  clipped?: boolean;
}

/** One element's declarations, normal and `!important`, and those of each level that wait for the element (null:
 * none; ./css-deferred.ts). */
export interface Declarations {
  normal: StyleDecls;
  important: StyleDecls;
  deferredNormal: DeferredLevel | null;
  deferredImportant: DeferredLevel | null;
}

export function emptyDeclarations(): Declarations {
  return { normal: new DeclaredStyle(), important: new DeclaredStyle(), deferredNormal: null, deferredImportant: null };
}

/**
 * StyleDecls with every field present from the start (undefined: not declared), in one order, so that all of them
 * share one hidden class. Fields added in the order a style names them make a hidden class per order and subset of
 * properties met, and the code reading them (visibilityOf, isGone) deoptimises ("wrong map") and is compiled again
 * as distinct mail brings new ones (benchmarks/README.md, "What V8 keeps compiling").
 */
export class DeclaredStyle implements StyleDecls {
  displayNone: boolean | undefined = undefined;
  visibilityHidden: boolean | undefined = undefined;
  opacity: number | undefined = undefined;
  fontSize: number | undefined = undefined;
  fontAbsolute: boolean | undefined = undefined;
  color: number | undefined = undefined;
  background: number | undefined = undefined;
  overflowHidden: boolean | undefined = undefined;
  heightTiny: boolean | undefined = undefined;
  maxHeightTiny: boolean | undefined = undefined;
  widthTiny: boolean | undefined = undefined;
  maxWidthTiny: boolean | undefined = undefined;
  positioned: boolean | undefined = undefined;
  leftFar: boolean | undefined = undefined;
  topFar: boolean | undefined = undefined;
  indentFar: boolean | undefined = undefined;
  marginFar: boolean | undefined = undefined;
  clipped: boolean | undefined = undefined;
  scaledAway: boolean | undefined = undefined;
  translateFar: boolean | undefined = undefined;
  scaleTiny: boolean | undefined = undefined;
  filterOpacity: number | undefined = undefined;
  filterBlur: number | undefined = undefined;
  contentHidden: boolean | undefined = undefined;
  textFill: number | undefined = undefined;
  clipText: boolean | undefined = undefined;
}

/** `from`'s declared fields over `out`'s (what Object.assign did when an undeclared field was absent). */
export function overlay(out: StyleDecls, from: StyleDecls): void {
  if (from.displayNone !== undefined) out.displayNone = from.displayNone;
  if (from.visibilityHidden !== undefined) out.visibilityHidden = from.visibilityHidden;
  if (from.opacity !== undefined) out.opacity = from.opacity;
  if (from.fontSize !== undefined) out.fontSize = from.fontSize;
  if (from.fontAbsolute !== undefined) out.fontAbsolute = from.fontAbsolute;
  if (from.color !== undefined) out.color = from.color;
  if (from.background !== undefined) out.background = from.background;
  if (from.overflowHidden !== undefined) out.overflowHidden = from.overflowHidden;
  if (from.heightTiny !== undefined) out.heightTiny = from.heightTiny;
  if (from.maxHeightTiny !== undefined) out.maxHeightTiny = from.maxHeightTiny;
  if (from.widthTiny !== undefined) out.widthTiny = from.widthTiny;
  if (from.maxWidthTiny !== undefined) out.maxWidthTiny = from.maxWidthTiny;
  if (from.positioned !== undefined) out.positioned = from.positioned;
  if (from.leftFar !== undefined) out.leftFar = from.leftFar;
  if (from.topFar !== undefined) out.topFar = from.topFar;
  if (from.indentFar !== undefined) out.indentFar = from.indentFar;
  if (from.marginFar !== undefined) out.marginFar = from.marginFar;
  if (from.clipped !== undefined) out.clipped = from.clipped;
  if (from.scaledAway !== undefined) out.scaledAway = from.scaledAway;
  if (from.translateFar !== undefined) out.translateFar = from.translateFar;
  if (from.scaleTiny !== undefined) out.scaleTiny = from.scaleTiny;
  if (from.filterOpacity !== undefined) out.filterOpacity = from.filterOpacity;
  if (from.filterBlur !== undefined) out.filterBlur = from.filterBlur;
  if (from.contentHidden !== undefined) out.contentHidden = from.contentHidden;
  if (from.textFill !== undefined) out.textFill = from.textFill;
  if (from.clipText !== undefined) out.clipText = from.clipText;
}
