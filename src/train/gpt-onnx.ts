export function exportGPTOnnx(_ckpt: string, _out: string): string {
  throw new Error("export: --format onnx is not written yet");
}
