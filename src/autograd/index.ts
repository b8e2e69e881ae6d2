/** gs.autograd: gradient checking and grad-mode control. */
export { gradcheck, type GradcheckOptions } from "./gradcheck.js";
export { noGrad, enableGrad, isGradEnabled } from "./grad-mode.js";
