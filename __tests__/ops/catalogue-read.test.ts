import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CatalogueError, CatalogueFormat, parseCatalogue, readCatalogue } from "../../ops/catalogue/read";
import { validateCatalogue } from "../../ops/catalogue/validate";

const HEADER = "sku,name,unitPriceCents,currency,stock";
const KEYBOARD = { sku: "KB-01", name: "Mechanical keyboard", unitPriceCents: 8900, currency: "EUR", stock: 1000 };

function load(text: string, format: CatalogueFormat) {
  return validateCatalogue(parseCatalogue(text, format, "file"), "file");
}

/** The problems a refused file is refused with. */
function problems(text: string, format: CatalogueFormat): string[] {
  try {
    load(text, format);
  } catch (error) {
    if (error instanceof CatalogueError) return error.problems;
    throw error;
  }
  throw new Error("the file was accepted");
}

const csv = (...rows: string[]) => [HEADER, ...rows].join("\n") + "\n";

describe("JSON", () => {
  it("reads an array of products in the fixtures' shape", () => {
    const fixtures = readCatalogue(path.join(__dirname, "../../local/fixtures/products.json"));
    expect(validateCatalogue(fixtures, "fixtures")).toContainEqual(KEYBOARD);
    expect(load(JSON.stringify([KEYBOARD]), "json")).toEqual([KEYBOARD]);
    expect(load(`\uFEFF${JSON.stringify([KEYBOARD])}`, "json")).toEqual([KEYBOARD]);
  });

  it("names the row and the field of every problem, with the value given", () => {
    const rows = [
      KEYBOARD,
      { ...KEYBOARD, sku: "MS-02", unitPriceCents: 12.5 },
      { ...KEYBOARD, sku: "HD-03", stock: -1, currency: "JPY" },
      { sku: "CB-06", name: "  ", unitPriceCents: "1200", currency: "EUR" },
    ];
    expect(problems(JSON.stringify(rows), "json")).toEqual([
      "row 2: unitPriceCents: expected an integer ≥ 0, got 12.5",
      'row 3: currency: expected one of EUR, USD, GBP, got "JPY"',
      "row 3: stock: expected an integer ≥ 0, got -1",
      'row 4: name: expected a non-empty name, got "  "',
      'row 4: unitPriceCents: expected an integer ≥ 0, got "1200"',
      "row 4: stock: missing",
    ]);
  });

  it("refuses a name too long for one row to be written, naming the row", () => {
    const huge = { ...KEYBOARD, sku: "DESC-1", name: "x".repeat(201) };
    expect(problems(JSON.stringify([KEYBOARD, huge]), "json")).toEqual([
      expect.stringMatching(/^row 2: name: expected a name of at most 200 characters, got "x{20}/),
    ]);
    expect(load(JSON.stringify([{ ...huge, name: "x".repeat(200) }]), "json")).toHaveLength(1);
  });

  it("refuses integers beyond the safe range, SKUs the API would refuse, and rows that are not objects", () => {
    const rows = [{ ...KEYBOARD, unitPriceCents: 2 ** 60 }, { ...KEYBOARD, sku: "kb 01" }, "KB-01", null];
    expect(problems(JSON.stringify(rows), "json")).toEqual([
      "row 1: unitPriceCents: expected an integer ≥ 0, got 1152921504606847000",
      'row 2: sku: a SKU is 1 to 64 upper-case letters, digits or dashes, got "kb 01"',
      'row 3: expected an object with sku, name, unitPriceCents, currency, stock, got "KB-01"',
      "row 4: expected an object with sku, name, unitPriceCents, currency, stock, got null",
    ]);
  });

  it("refuses unknown fields, naming them", () => {
    expect(problems(JSON.stringify([{ ...KEYBOARD, colour: "black", weight: 1 }]), "json")).toEqual([
      'row 1: unknown fields "colour", "weight"; the fields are sku, name, unitPriceCents, currency, stock and optionally stockShards, smokeTest, stockWas',
    ]);
  });

  it("takes an optional stockShards from 1 to 100, and names the row and field of any other value", () => {
    expect(
      load(
        JSON.stringify([
          { ...KEYBOARD, stockShards: 4 },
          { ...KEYBOARD, sku: "MS-02" },
        ]),
        "json",
      ),
    ).toEqual([
      { ...KEYBOARD, stockShards: 4 },
      { ...KEYBOARD, sku: "MS-02" },
    ]);
    const rows = [0, 101, 1.5, "x", "4", 100, 1].map((stockShards, i) => ({ ...KEYBOARD, sku: `S-${i}`, stockShards }));
    const expected = "expected an integer from 1 to 100";
    expect(problems(JSON.stringify(rows), "json")).toEqual([
      `row 1: stockShards: ${expected}, got 0`,
      `row 2: stockShards: ${expected}, got 101`,
      `row 3: stockShards: ${expected}, got 1.5`,
      `row 4: stockShards: ${expected}, got "x"`,
      `row 5: stockShards: ${expected}, got "4"`,
    ]);
  });

  it("refuses a SKU twice, naming both rows", () => {
    const rows = [KEYBOARD, { ...KEYBOARD, sku: "MS-02" }, { ...KEYBOARD, name: "Another keyboard" }];
    expect(problems(JSON.stringify(rows), "json")).toEqual(['row 3: sku: "KB-01" is also in row 1']);
  });

  it("refuses a document that is not JSON or not an array", () => {
    expect(problems("[{", "json")[0]).toMatch(/^is not valid JSON: /);
    expect(problems(JSON.stringify(KEYBOARD), "json")).toEqual(["expected a JSON array of products"]);
  });
});

describe("CSV", () => {
  it("reads a header and rows, numbers from decimal digits, quoted fields with commas and quotes", () => {
    const text = csv('KB-01,"Keyboard, mechanical ""pro""",8900,EUR,1000', " MS-02 , Wireless mouse , 3500 , USD , 0 ");
    // A spreadsheet's UTF-8 export starts with a byte order mark; Windows ends lines with CRLF.
    expect(load(`\uFEFF${text.replace(/\n/g, "\r\n")}`, "csv")).toEqual([
      { sku: "KB-01", name: 'Keyboard, mechanical "pro"', unitPriceCents: 8900, currency: "EUR", stock: 1000 },
      { sku: "MS-02", name: "Wireless mouse", unitPriceCents: 3500, currency: "USD", stock: 0 },
    ]);
  });

  it("takes an optional smokeTest column: true or false, empty meaning not marked, and refuses anything else", () => {
    const header = `${HEADER},smokeTest`;
    expect(
      load(
        `${header}\nSMOKE-01,Smoke item,100,EUR,10,true\nKB-01,Keyboard,8900,EUR,1000,\nMS-02,Mouse,1,EUR,1,false\n`,
        "csv",
      ),
    ).toEqual([
      { sku: "SMOKE-01", name: "Smoke item", unitPriceCents: 100, currency: "EUR", stock: 10, smokeTest: true },
      { sku: "KB-01", name: "Keyboard", unitPriceCents: 8900, currency: "EUR", stock: 1000 },
      { sku: "MS-02", name: "Mouse", unitPriceCents: 1, currency: "EUR", stock: 1, smokeTest: false },
    ]);
    expect(problems(`${header}\nSMOKE-01,Smoke item,100,EUR,10,yes\n`, "csv")).toEqual([
      'row 1 (line 2): smokeTest: expected a boolean, got "yes"',
    ]);
  });

  it("takes the columns in any order", () => {
    const text = "stock,currency,unitPriceCents,name,sku\n5,GBP,100,Cable,CB-06\n";
    expect(load(text, "csv")).toEqual([
      { sku: "CB-06", name: "Cable", unitPriceCents: 100, currency: "GBP", stock: 5 },
    ]);
  });

  it("takes an optional stockShards column, an empty cell meaning the default, and refuses any value not 1 to 100", () => {
    const header = `${HEADER},stockShards`;
    expect(load(`${header}\nKB-01,Keyboard,8900,EUR,1000,4\nMS-02,Mouse,3500,EUR,10,\n`, "csv")).toEqual([
      { sku: "KB-01", name: "Keyboard", unitPriceCents: 8900, currency: "EUR", stock: 1000, stockShards: 4 },
      { sku: "MS-02", name: "Mouse", unitPriceCents: 3500, currency: "EUR", stock: 10 },
    ]);
    const rows = ["0", "101", "1.5", "x", " 100 "].map((shards, i) => `S-${i},Thing,1,EUR,1,${shards}`);
    const expected = "expected an integer from 1 to 100";
    expect(problems([header, ...rows].join("\n"), "csv")).toEqual([
      `row 1 (line 2): stockShards: ${expected}, got 0`,
      `row 2 (line 3): stockShards: ${expected}, got 101`,
      `row 3 (line 4): stockShards: ${expected}, got "1.5"`,
      `row 4 (line 5): stockShards: ${expected}, got "x"`,
    ]);
  });

  it("refuses numbers that are not decimal digits, naming row, line and field with the text given", () => {
    const text = csv("KB-01,Keyboard,12.5,EUR,1", "MS-02,Mouse,,EUR,1e3", "HD-03,Headset,-5,EUR, 0x10");
    expect(problems(text, "csv")).toEqual([
      'row 1 (line 2): unitPriceCents: expected an integer ≥ 0, got "12.5"',
      'row 2 (line 3): unitPriceCents: expected an integer ≥ 0, got ""',
      'row 2 (line 3): stock: expected an integer ≥ 0, got "1e3"',
      'row 3 (line 4): unitPriceCents: expected an integer ≥ 0, got "-5"',
      'row 3 (line 4): stock: expected an integer ≥ 0, got "0x10"',
    ]);
  });

  it.each([
    ["LF", "\n"],
    ["CRLF", "\r\n"],
  ])("counts lines as an editor shows them (%s): blank lines, rows of empty cells, quoted line breaks", (_, eol) => {
    const text = csv(
      "",
      'KB-01,"Keyboard,\nmechanical",8900,EUR,1',
      ",,,,",
      "MS-02,Mouse,1,EUR,x",
      "KB-01,Again,1,EUR,1",
    ).replace(/\n/g, eol);
    expect(problems(text, "csv")).toEqual([
      'row 2 (line 6): stock: expected an integer ≥ 0, got "x"',
      'row 3 (line 7): sku: "KB-01" is also in row 1 (line 3)',
    ]);
  });

  it("refuses a row whose cells do not match the header", () => {
    expect(problems(csv("KB-01,Keyboard,8900,EUR", "MS-02,Mouse,3500,EUR,1,extra"), "csv")).toEqual([
      "row 1 (line 2): has 4 cells, the header has 5",
      "row 2 (line 3): has 6 cells, the header has 5",
    ]);
  });

  it("refuses unknown, repeated and missing columns, naming them", () => {
    const columns =
      "the columns are sku, name, unitPriceCents, currency, stock and optionally stockShards, smokeTest, stockWas";
    expect(problems("sku,name,price,currency,colour,sku\nKB-01,Keyboard,1,EUR,black,KB-01\n", "csv")).toEqual([
      `header (line 1): unknown columns "price", "colour"; ${columns}`,
      `header (line 1): column "sku" more than once; ${columns}`,
      `header (line 1): missing columns "unitPriceCents", "stock"; ${columns}`,
    ]);
  });

  it("refuses an empty file and broken quoting", () => {
    expect(problems("", "csv")).toEqual(["is empty: expected a header row"]);
    expect(problems(csv('KB-01,"Keyboard,8900,EUR,1'), "csv")[0]).toMatch(/^is not valid CSV: Quote Not Closed/);
  });
});

describe("files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "catalogue-read-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("chooses the format by extension and refuses any other", () => {
    fs.writeFileSync(path.join(dir, "a.CSV"), csv("KB-01,Keyboard,8900,EUR,1"));
    expect(readCatalogue(path.join(dir, "a.CSV"))).toEqual([
      { row: 1, line: 2, fields: { sku: "KB-01", name: "Keyboard", unitPriceCents: 8900, currency: "EUR", stock: 1 } },
    ]);
    expect(() => readCatalogue(path.join(dir, "a.txt"))).toThrow('expected a .json or .csv file, got ".txt"');
    expect(() => readCatalogue(path.join(dir, "missing.json"))).toThrow(/missing\.json: cannot be read: ENOENT/);
  });
});
