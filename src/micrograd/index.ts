/**
 * micrograd: a teaching-sized scalar autograd engine and neural-net library, after Andrej Karpathy's
 * micrograd. Each `Value` is one number; the tensor engine in the rest of gradstack does the same
 * bookkeeping for whole arrays at once.
 *
 * @example
 * import { MLP, Value } from "./index.js";
 * const model = new MLP(3, [4, 4, 1]);
 * const [y] = model.forward([2, 3, -1]);
 * const loss = y.sub(1).pow(2);
 * model.zeroGrad();
 * loss.backward();
 * for (const p of model.parameters()) p.data -= 0.05 * p.grad;
 */
export {
  Value,
  toValue,
  topologicalOrder,
  zeroGrad,
  toDot,
  type Operand,
  type ValueOptions,
} from "./value.js";
export {
  Module,
  Neuron,
  Layer,
  MLP,
  mulberry32,
  DEFAULT_SEED,
  type Rng,
  type Nonlinearity,
  type NeuronOptions,
  type MLPOptions,
} from "./nn.js";
