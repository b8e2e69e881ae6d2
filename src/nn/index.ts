/** gs.nn: layers, losses and initialisers. */
export * as functional from "./functional.js";
export * as utils from "./utils.js";
