/**
 * What browser bundles get instead of json-file.ts (package.json's "browser" map): no file system, so
 * save/load say so and point to toJSON/fromJSON, which work everywhere.
 */
import type * as NodeJsonFile from "./json-file.js";
export { expectType } from "./json-file-type.js";

function noFiles(where: string, file: string): never {
  throw new Error(`${where}: cannot use the file ${file} outside Node; use toJSON() and fromJSON() instead`);
}

export const writeJson: typeof NodeJsonFile.writeJson = (file, _value, where) => noFiles(where, file);
export const readJson: typeof NodeJsonFile.readJson = (file, where) => noFiles(where, file);
export const loadJson: typeof NodeJsonFile.loadJson = (file, where) => noFiles(where, file);
