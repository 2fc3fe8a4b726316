// A local eslint rule: a file longer than `max` lines (300 unless configured) must say why on a `size:` line of its
// header comment (the comment before its first token), e.g. ` * size: one schema is one table an operator reads.`
// Everything else is split along its concerns.

/** @type {import("eslint").Rule.RuleModule} */
export default {
  meta: {
    type: "suggestion",
    docs: { description: "a file over the line limit says why on a `size:` line of its header comment" },
    schema: [{ type: "object", properties: { max: { type: "integer", minimum: 1 } }, additionalProperties: false }],
    messages: {
      tooLong:
        "{{lines}} lines, over {{max}}: split the file along its concerns, or say why not on a `size:` line of its header comment",
    },
  },
  create(context) {
    const max = context.options[0]?.max ?? 300;
    return {
      Program() {
        const source = context.sourceCode;
        const lines = source.lines.length - (source.lines.at(-1) === "" ? 1 : 0);
        if (lines <= max) return;
        const firstToken = source.ast.tokens[0];
        const header = source
          .getAllComments()
          .find((c) => c.type !== "Shebang" && (!firstToken || c.range[1] <= firstToken.range[0]));
        if (header && /^[\s*]*size: *\S/m.test(header.value)) return;
        context.report({
          loc: { line: 1, column: 0 },
          messageId: "tooLong",
          data: { lines: String(lines), max: String(max) },
        });
      },
    };
  },
};
