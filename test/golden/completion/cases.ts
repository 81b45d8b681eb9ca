/**
 * @file Golden cases for completion postprocessing: a document with the cursor at `█`, what a
 * model streamed, and the suggestion SmolCode must show ('' means nothing is shown).
 */

export interface PostprocessCase {
  readonly description: string;
  readonly languageId: string;
  readonly input: string;
  readonly modelOutput: string;
  readonly expected: string;
  readonly mode: 'single' | 'multi';
  readonly only?: boolean;
}

export const postprocessCases: readonly PostprocessCase[] = [
  {
    description: 'TypeScript: inside a call, closing bracket already follows the cursor',
    languageId: 'typescript',
    input: 'const total = items.reduce(█);\n',
    modelOutput: '(sum, item) => sum + item.price, 0);\nconsole.log(total);\n',
    expected: '(sum, item) => sum + item.price, 0',
    mode: 'multi',
  },
  {
    description: 'TypeScript: mid-line completion stays on one line',
    languageId: 'typescript',
    input: 'if (user.█name) {\n  greet(user);\n}\n',
    modelOutput: 'profile.\n  other();\n',
    expected: 'profile.',
    mode: 'single',
  },
  {
    description: 'TypeScript: in a line comment, one line only',
    languageId: 'typescript',
    input: 'function avg(values: number[]) {\n  // compute the █\n}\n',
    modelOutput: 'average of the values\n  let sum = 0;\n',
    expected: 'average of the values',
    mode: 'single',
  },
  {
    description: 'TypeScript: after a block opener, body without the closing brace the file already has',
    languageId: 'typescript',
    input: 'function add(a: number, b: number): number {█\n}\n',
    modelOutput: '\n  return a + b;\n}\n\nfunction sub(a: number, b: number) {\n',
    expected: '\n  return a + b;',
    mode: 'multi',
  },
  {
    description: 'TypeScript: statement end with the rest of the line repeated by the model',
    languageId: 'typescript',
    input: 'const x = █;\n',
    modelOutput: 'compute();\n',
    expected: 'compute()',
    mode: 'single',
  },
  {
    description: 'TypeScript: a // inside a string is not a comment',
    languageId: 'typescript',
    input: 'const url = "http://example.com/" + █\n',
    modelOutput: 'path;\nfetch(url);\n',
    expected: 'path;',
    mode: 'single',
  },
  {
    description: 'TypeScript: special token in the output ends the suggestion',
    languageId: 'typescript',
    input: 'export function id<T>(value: T): T {\n  █\n}\n',
    modelOutput: 'return value;<|endoftext|>garbage that must not show',
    expected: 'return value;',
    mode: 'multi',
  },
  {
    description: 'TypeScript: empty line in a class body stops at a blank line',
    languageId: 'typescript',
    input: 'class Counter {\n  private count = 0;\n  █\n}\n',
    modelOutput: 'increment(): void {\n    this.count++;\n  }\n\n  decrement(): void {\n',
    expected: 'increment(): void {\n    this.count++;\n  }',
    mode: 'multi',
  },
  {
    description: 'Python: function body after a colon, stops at the blank line',
    languageId: 'python',
    input: 'def fib(n):█\n',
    modelOutput: '\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\nprint(fib(10))\n',
    expected: '\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)',
    mode: 'multi',
  },
  {
    description: 'Python: stops at a dedent below the cursor block',
    languageId: 'python',
    input: 'def run(x):\n    █\n',
    modelOutput: 'return x * 2\nprint("done")\n',
    expected: 'return x * 2',
    mode: 'multi',
  },
  {
    description: 'Python: stops before re-typing the next line of the file',
    languageId: 'python',
    input: 'def total(items):\n    █\n    return result\n',
    modelOutput: 'result = sum(i.price for i in items)\n    return result\n',
    expected: 'result = sum(i.price for i in items)',
    mode: 'multi',
  },
  {
    description: 'Python: in a comment, one line only',
    languageId: 'python',
    input: 'x = 1  # the number of █\n',
    modelOutput: 'retries allowed\ny = 2\n',
    expected: 'retries allowed',
    mode: 'single',
  },
  {
    description: 'Go: tab-indented body, closing brace already in the file',
    languageId: 'go',
    input: 'func main() {█\n}\n',
    modelOutput: '\n\tfmt.Println("hi")\n}\n\nfunc other() {\n',
    expected: '\n\tfmt.Println("hi")',
    mode: 'multi',
  },
  {
    description: 'Go: closing brace kept when the file does not have it yet',
    languageId: 'go',
    input: 'package main\n\nfunc main() {█',
    modelOutput: '\n\tx := 1\n\tfmt.Println(x)\n}\nfunc other() {\n',
    expected: '\n\tx := 1\n\tfmt.Println(x)\n}',
    mode: 'multi',
  },
  {
    description: 'Go: nested closers, only the one the file provides is dropped',
    languageId: 'go',
    input: 'values := []int{█}\n',
    modelOutput: '1, 2, f(3)}\n',
    expected: '1, 2, f(3)',
    mode: 'multi',
  },
  {
    description: 'negative: whitespace-only output is dropped',
    languageId: 'typescript',
    input: 'function f() {\n  █\n}\n',
    modelOutput: '   \n\n',
    expected: '',
    mode: 'multi',
  },
  {
    description: 'negative: output that jumps to another file is dropped',
    languageId: 'typescript',
    input: 'const a = 1;\n█',
    modelOutput: '<file_sep>src/other.ts\nexport const b = 2;\n',
    expected: '',
    mode: 'multi',
  },
  {
    description: 'negative: end of a finished statement, the model only starts a new line',
    languageId: 'python',
    input: 'answer = compute()█\n',
    modelOutput: '\nprint(answer)\n',
    expected: '',
    mode: 'single',
  },
  {
    description: 'negative: inside empty call parentheses the model leaves the block',
    languageId: 'python',
    input: 'def main():\n    answer = compute(█)\n',
    modelOutput: '\nprint(answer)\n',
    expected: '',
    mode: 'multi',
  },
  {
    description: 'negative: output that only repeats the closing bracket is dropped',
    languageId: 'go',
    input: 'fmt.Println(█)\n',
    modelOutput: ')\n',
    expected: '',
    mode: 'multi',
  },
];

export interface PromptCase {
  readonly description: string;
  readonly path: string;
  readonly repoName: string;
  readonly input: string;
  readonly snippets: readonly { readonly path: string; readonly text: string }[];
  readonly expected: string;
}

export const promptCases: readonly PromptCase[] = [
  {
    description: 'TypeScript file alone: repository header, then the file up to the cursor',
    path: 'src/math.ts',
    repoName: 'calculator',
    input: 'export function add(a: number, b: number) {\n  return █\n}\n',
    snippets: [],
    expected: '<repo_name>calculator<file_sep>src/math.ts\nexport function add(a: number, b: number) {\n  return ',
  },
  {
    description: 'Python file with two context snippets before the current file',
    path: 'app/main.py',
    repoName: 'shop',
    input: 'from app.cart import Cart\n\ncart = Cart()\ncart.█',
    snippets: [
      { path: 'app/cart.py', text: 'class Cart:\n    def add(self, item):\n        self.items.append(item)' },
      { path: 'app/item.py', text: 'class Item:\n    price: float' },
    ],
    expected:
      '<repo_name>shop<file_sep>app/cart.py\nclass Cart:\n    def add(self, item):\n        self.items.append(item)' +
      '<file_sep>app/item.py\nclass Item:\n    price: float<file_sep>app/main.py\nfrom app.cart import Cart\n\ncart = Cart()\ncart.',
  },
  {
    description: 'Go file: suffix never enters the prompt (SmolLM2 has no fill-in-the-middle)',
    path: 'cmd/server/main.go',
    repoName: 'api',
    input: 'package main\n\nfunc main() {\n\t█\n}\n',
    snippets: [],
    expected: '<repo_name>api<file_sep>cmd/server/main.go\npackage main\n\nfunc main() {\n\t',
  },
];
