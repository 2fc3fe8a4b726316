/** npm `color-name` 2 ships no types: the CSS colour keywords and their RGB values. */
declare module "color-name" {
  const colours: Record<string, [number, number, number]>;
  export default colours;
}
