// Bad input: every op names itself, the shapes or values involved, and what it expected.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";

const f = (shape: number[]) => gs.zeros(shape);

test("shape errors", () => {
  assert.throws(
    () => f([2, 3]).matmul(f([4, 5])),
    /matmul: shapes \[2, 3\] and \[4, 5\] cannot be multiplied \(3 columns vs 4 rows\)/,
  );
  assert.throws(() => f([2, 3]).matmul(f([2, 3, 4]).mT), /matmul: .*cannot be multiplied/);
  assert.throws(
    () => f([3, 1, 3]).matmul(f([2, 3, 2])),
    /matmul: shapes \[3\] and \[2\] cannot be broadcast/,
  );
  assert.throws(() => f([2, 3]).add(f([4])), /add: shapes \[2, 3\] and \[4\] cannot be broadcast together/);
  assert.throws(
    () => gs.cat([f([2, 3]), f([2, 4])], 0),
    /cat: shapes \[2, 3\], \[2, 4\] must match except in dim 0/,
  );
  assert.throws(() => gs.stack([f([2]), f([3])]), /stack: all tensors must have the same shape/);
  assert.throws(
    () => f([2, 3]).reshape([4, 2]),
    /reshape: shape \[4, 2\] is invalid for input of shape \[2, 3\] \(6 elements\)/,
  );
  assert.throws(() => f([2, 3]).reshape([-1, -1]), /at most one -1/);
  assert.throws(() => f([2, 3]).expand([3, 3]), /expand: the size 2 of dim 0/);
  assert.throws(() => f([2, 3]).permute([0]), /permute: got 1 dims/);
  assert.throws(() => f([4]).split([1, 2]), /split: sizes \[1, 2\] sum to 3, but dim 0 has size 4/);
  assert.throws(() => gs.tensor([[1, 2], [3]]), /ragged nested array: at \[1\] expected 2 elements, got 1/);
  assert.throws(() => gs.tensor([1, 2, 3], { shape: [2, 2] }), /3 values do not fill shape \[2, 2\]/);
  assert.throws(() => gs.zeros([2, -1]), /invalid size -1/);
  assert.throws(() => gs.nn.functional.mseLoss(f([2]), f([3])), /mseLoss: input \[2\] and target \[3\]/);
});

test("dim and index errors", () => {
  assert.throws(
    () => f([2, 3]).sum(2),
    /sum: dim 2 is out of range for a tensor with 2 dims \(expected -2\.\.1\)/,
  );
  assert.throws(() => f([2, 3]).softmax(-3), /softmax: dim -3 is out of range/);
  assert.throws(() => f([2, 3]).transpose(0, 5), /transpose: dim 5 is out of range/);
  assert.throws(() => f([2, 3]).select(0, 2), /select: index 2 is out of range for dim 0 of size 2/);
  assert.throws(
    () => f([2, 3]).narrow(1, 2, 2),
    /narrow: start 2 and length 2 are out of range for dim 1 of size 3/,
  );
  assert.throws(
    () => f([3, 2]).indexSelect(0, gs.tensor([0, 3])),
    /indexSelect: index 3 is out of bounds for a dim of size 3/,
  );
  assert.throws(
    () => f([3, 2]).gather(1, gs.tensor([[0, 2]])),
    /gather: index shape \[1, 2\] must match the input shape \[3, 2\] except in dim 1/,
  );
  assert.throws(() => f([3]).gather(0, gs.tensor([5])), /gather: index 5 is out of bounds/);
  assert.throws(() => f([2, 3]).index(0, 0, 0), /index: 3 indices for a tensor with 2 dims/);
  assert.throws(() => f([2, 3]).index("1:x"), /cannot parse the slice "1:x"/);
  assert.throws(() => f([2]).amax([0, 0]), /repeats a dim/);
  assert.throws(() => f([0, 3]).amax(0), /amax: cannot reduce over an empty dim/);
});

test("dtype errors", () => {
  assert.throws(
    () => gs.tensor([1, 2]).matmul(gs.tensor([1, 2])),
    /matmul: expects floating-point tensors, got int32 and int32/,
  );
  assert.throws(() => f([2]).indexSelect(0, gs.tensor([0.5])), /index must be an int32 tensor, got float32/);
  assert.throws(
    () => f([2]).maskedFill(gs.tensor([1, 0]), 0),
    /maskedFill: mask must be a bool tensor, got int32/,
  );
  assert.throws(() => gs.where(gs.tensor([1]), 1, 2), /where: cond must be a bool tensor, got int32/);
  assert.throws(() => gs.tensor([1, 2]).mean(), /mean: expects a floating-point tensor, got int32/);
  assert.throws(() => gs.tensor([1, 2]).softmax(0), /softmax: expects a floating-point tensor/);
  assert.throws(() => gs.zeros([2], { dtype: "float16" as never }), /unknown dtype "float16"/);
  assert.throws(
    () => gs.nn.functional.crossEntropy(f([2, 3]), gs.tensor([0, 3])),
    /crossEntropy: target 3 is out of bounds for 3 classes/,
  );
  assert.throws(
    () => gs.nn.functional.crossEntropy(f([2, 3]), gs.tensor([0.5, 1])),
    /target must hold int32 class indices, got float32/,
  );
  assert.throws(
    () => gs.nn.functional.crossEntropy(f([2, 3]), gs.tensor([0, 1, 2])),
    /target shape \[3\] does not match input \[2, 3\]; expected \[2\]/,
  );
  assert.throws(() => gs.tensor([1]).pow(-1), /integers to negative integer powers/);
});
