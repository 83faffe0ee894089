/**
 * How every template is compiled, at build time (scripts/build.js) and at run
 * time (--templates overrides, tests): one definition, so both give the same
 * function.
 */
export const TEMPLATE_OPTIONS = {
  strict: true,
  localsName: 'locals',
  // The names templates and partials use; anything else is reached as locals.x.
  destructuredLocals: ['svc', 'm', 'q', 'partial', 'c', 'title', 'from', 'label', 'lines'],
} as const;

/** `<%=` would HTML-escape; every value must go through an escaper from q instead. */
export function htmlEscapingProblem(text: string, file: string): string | undefined {
  return text.includes('<%=') ? `${file}: use <%- q.<escaper>(value) %>, never <%= %>` : undefined;
}

/** A template saved with CRLF line ends still gives LF output. */
export function normalizeTemplateText(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** A compiled template as ejs' `client` mode emits it. */
export type TemplateFunction = (
  locals: Record<string, unknown>,
  escapeFn?: (text: unknown) => string,
  include?: unknown,
  rethrow?: unknown,
) => string;
