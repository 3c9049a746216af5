// The part of xlsx-populate's API the tests use (it ships no types): it writes password-protected
// (ECMA-376 encrypted) workbooks, as Excel does.
declare module 'xlsx-populate' {
  interface Sheet {
    cell(address: string): { value(value: string | number): void };
  }
  interface Workbook {
    sheet(index: number): Sheet;
    outputAsync(options?: { password?: string }): Promise<Buffer>;
  }
  const XlsxPopulate: { fromBlankAsync(): Promise<Workbook> };
  export default XlsxPopulate;
}
