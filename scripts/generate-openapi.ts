import * as fs from "node:fs";
import * as path from "node:path";
import { openApiYaml } from "./openapi-document";

const target = path.resolve(__dirname, "..", "docs", "openapi.yaml");
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, openApiYaml());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
