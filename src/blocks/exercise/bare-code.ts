/**
 * Exercise solutions, answers and hints are often written as bare code, with
 * no fence (FORMAT.md §2). Read as Markdown, their line breaks and
 * indentation would be lost and a `# comment` line would become a heading;
 * so each paragraph (lines between blank lines) that is code is given a
 * fence here, in the normaliser, and renders as code like any fenced block.
 *
 * A paragraph is code when every line is a comment or a code line and at
 * least one is a code line. A code line starts with a command or SQL
 * keyword, a prompt or a variable assignment, or ends the way code does
 * (`;`, `\`, `{`, `}`), or holds a shell operator; a line that reads as a
 * sentence (ends in a word and a full stop: "psql -tA prints bare values.")
 * is prose, whatever it starts with. Text with a fence, or a paragraph with
 * Markdown (backtick spans, list items, links, bold), is left as written.
 */

const COMMAND =
  /^(?:\$\s+|sudo\s+(?:-u\s+\S+\s+)?)?(?:pg_[a-z_]+|psql|postgres|mysql[a-z_]*|mariadb[a-z-]*|mariabackup|xtrabackup|xbstream|mbstream|mydumper|myloader|createdb|dropdb|createuser|initdb|cd|ls|cp|mv|rm|mkdir|rmdir|chmod|chown|tar|gzip|gunzip|zcat|zstd|xz|bzip2|find|grep|egrep|awk|sed|cat|head|tail|less|echo|printf|export|systemctl|service|journalctl|du|df|rsync|scp|ssh|curl|wget|crontab|touch|ln|sort|uniq|wc|cut|tee|xargs|sha256sum|md5sum|diff|python3?|pip3?|git|docker|kubectl|aws|gpg|age|openssl|lvcreate|lvremove|mount|umount|fsfreeze|zfs|btrfs|source|set|unset|if|then|else|elif|fi|for|while|until|do|done|case|esac|function|return|exit|test|trap|date|sleep|kill|pkill|ps|stat|file|tr|basename|dirname|readlink|realpath|mktemp|nohup|time|watch|sqlite3|mongo(?:sh|dump|restore)?|redis-cli|import|from|def|print|SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|GRANT|REVOKE|SHOW|BEGIN|COMMIT|ROLLBACK|START|STOP|FLUSH|LOCK|UNLOCK|RESET|CHANGE|USE|WITH|VALUES|TRUNCATE|COPY|VACUUM|ANALYZE|EXPLAIN|CALL|PURGE|CHECKPOINT|RESTORE|BACKUP|INSTALL|SOURCE)(?=$|[\s;(])/;
const SQL_START =
  /^(?:SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|GRANT|REVOKE|SHOW|BEGIN|COMMIT|ROLLBACK|START|STOP|FLUSH|LOCK|UNLOCK|RESET|CHANGE|USE|WITH|TRUNCATE|COPY|VACUUM|ANALYZE|EXPLAIN|CALL|PURGE|CHECKPOINT|SET|FROM|WHERE|GROUP|ORDER|HAVING|LIMIT|VALUES|JOIN|\\[a-z]+)(?=$|[\s;(])/;
const COMMENT = /^\s*(?:#(?!#)|--\s|\/\/)/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=\S/;
const CODE_END = /(?:;|\\|\{|\}|\(|\)|\]|,)\s*$/;
const OPERATOR = /\s(?:\||&&|\|\||>>?|<)\s|\s--?[A-Za-z][\w-]*(?:=|\s|$)/;
/** Ends in a word and a full stop, question or exclamation mark: a sentence. */
const SENTENCE = /[A-Za-z)'"]\s*[.!?]$/;
const MARKDOWN = /`|^\s*(?:[-*+]|\d+[.)])\s|\[[^\]]*\]\(|\*\*|^\s*>|^\s*\|.*\|\s*$/;
const FENCE = /^\s*(?:`{3,}|~{3,})/m;

/** Five or more words, nearly all plain words, and no shell or SQL punctuation: prose, even without a full stop ("if the server is down, start it first"). */
function wordy(t: string): boolean {
  if (/[;$/=|<>&*{}()[\]\\]/.test(t)) return false;
  const words = t.split(/\s+/).map((w) => w.replace(/[,;:]$/, ''));
  return words.length >= 5 && words.filter((w) => /^[A-Za-z']+$/.test(w)).length / words.length >= 0.8;
}

function isCodeLine(line: string, prevCode: boolean): boolean {
  const t = line.trim();
  if (SENTENCE.test(t)) return false;
  if (!SQL_START.test(t) && !CODE_END.test(t) && wordy(t)) return false;
  if (COMMAND.test(t) || SQL_START.test(t) || ASSIGNMENT.test(t)) return true;
  if (CODE_END.test(t) || OPERATOR.test(` ${t}`)) return true;
  // An indented line under code continues it (a loop body, a wrapped argument list).
  return prevCode && /^\s{2,}\S/.test(line);
}

/** Whether one paragraph (no blank lines) is code: comments and code lines only, at least one code line. */
export function isBareCode(paragraph: string): boolean {
  const lines = paragraph.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0 || lines.some((l) => MARKDOWN.test(l) && !COMMENT.test(l))) return false;
  let code = 0;
  let prev = false;
  for (const l of lines) {
    if (COMMENT.test(l)) {
      prev = true;
      continue;
    }
    if (!isCodeLine(l, prev)) return false;
    code++;
    prev = true;
  }
  return code > 0;
}

/** The language to highlight bare code in: the exercise's own, else SQL or shell by the first code line. */
function languageOf(paragraph: string, language: string | undefined): string {
  if (language) return language;
  const first = paragraph.split('\n').find((l) => l.trim() !== '' && !COMMENT.test(l)) ?? '';
  return SQL_START.test(first.trim()) ? 'sql' : 'bash';
}

/**
 * `text` with every paragraph of bare code fenced (```lang). Anything that
 * is not a string, text that already has a fence, and prose come back as given.
 */
export function fenceBareCode(text: unknown, language?: string): unknown {
  if (typeof text !== 'string' || FENCE.test(text)) return text;
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .replace(/\n+$/, '')
    .split(/\n[ \t]*\n/);
  if (!paragraphs.some(isBareCode)) return text;
  return paragraphs.map((p) => (isBareCode(p) ? `\`\`\`${languageOf(p, language)}\n${p}\n\`\`\`` : p)).join('\n\n');
}
