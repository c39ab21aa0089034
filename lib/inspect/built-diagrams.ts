/**
 * The machine diagrams as SVG, rendered by build.mjs (DOT from the definitions → @viz-js/viz) and compiled into
 * the bundle, so the bundle carries no Graphviz and the pictures always match the machines it runs. Empty when
 * running from source: the live view then lists each machine's states instead.
 */
declare const __TOYREDIS_MACHINE_SVGS__: Record<string, string> | undefined;

export const BUILT_SVGS: Readonly<Record<string, string>> =
  typeof __TOYREDIS_MACHINE_SVGS__ === 'object' && __TOYREDIS_MACHINE_SVGS__ !== null ? __TOYREDIS_MACHINE_SVGS__ : {};
