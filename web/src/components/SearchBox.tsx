/** The query box: the query language with autocomplete for fields and values. */
import { useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { suggest, type Suggestion, type ValueSource } from "../lib/query";

export interface SearchBoxProps {
  value: string;
  onChange: (value: string) => void;
  onSubmit?: (value: string) => void;
  values?: ValueSource;
  error?: { message: string; position?: number | null } | null;
}

export function SearchBox({ value, onChange, onSubmit, values, error }: SearchBoxProps) {
  const input = useRef<HTMLInputElement>(null);
  const [caret, setCaret] = useState(value.length);
  const pendingCaret = useRef<number | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const { from, items } = useMemo(() => suggest(value, caret, values), [value, caret, values]);
  const shown = open && items.length > 0;

  const apply = (item: Suggestion) => {
    const after = value.slice(caret).replace(/^[^\s()]*/, "");
    const needsSpace = !item.insert.endsWith(":") && !after.startsWith(" ");
    const text = value.slice(0, from) + item.insert + (needsSpace ? " " : "") + after;
    const position = from + item.insert.length + (needsSpace ? 1 : 0);
    setActive(0);
    if (text === value) {
      input.current?.setSelectionRange(position, position);
      setCaret(position);
    } else {
      pendingCaret.current = position;
      onChange(text);
    }
  };
  // The caret goes after the completion as soon as the completed value is rendered, before the
  // next keystroke can land (a deferred placement moved it back under a fast typist's feet).
  useLayoutEffect(() => {
    const position = pendingCaret.current;
    if (position === null) return;
    pendingCaret.current = null;
    input.current?.setSelectionRange(position, position);
    setCaret(position);
  }, [value]);

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (shown && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      setActive((a) => (a + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length);
    } else if (shown && event.key === "Tab" && items[active]) {
      event.preventDefault();
      apply(items[active]);
    } else if (event.key === "Enter") {
      if (shown && items[active] && caretAtTokenEnd()) {
        event.preventDefault();
        apply(items[active]);
      } else {
        onSubmit?.(value);
        setOpen(false);
      }
    } else if (event.key === "Escape") {
      if (shown) setOpen(false);
      else onChange("");
    }
  };
  const caretAtTokenEnd = () => /^($|[\s)])/.test(value.slice(caret));

  return (
    <div className="searchbox">
      <input
        ref={input}
        type="search"
        role="combobox"
        aria-label="Search query"
        aria-expanded={shown}
        aria-controls="search-suggestions"
        aria-autocomplete="list"
        aria-activedescendant={shown ? `suggestion-${active}` : undefined}
        aria-invalid={Boolean(error)}
        aria-describedby={error ? "search-error" : undefined}
        placeholder='Search: kick type:kick bpm:120..128 key:~8A dur:<2 tag:dark   (press / to focus)'
        value={value}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => {
          onChange(e.target.value);
          setCaret(e.target.selectionStart ?? e.target.value.length);
          setOpen(true);
          setActive(0);
        }}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? value.length)}
        onKeyDown={onKeyDown}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 120)}
        data-testid="search-input"
      />
      {shown && (
        <ul id="search-suggestions" role="listbox" className="suggestions">
          {items.map((item, i) => (
            <li
              key={item.insert}
              id={`suggestion-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? "active" : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                apply(item);
              }}
            >
              <span className="suggestion-label">{item.label}</span>
              {item.help && <span className="suggestion-help">{item.help}</span>}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <div id="search-error" className="query-error" role="alert">
          {error.position !== undefined && error.position !== null && error.position <= value.length && (
            <pre aria-hidden="true">
              {value}
              {"\n"}
              {" ".repeat(error.position)}^
            </pre>
          )}
          {error.message}
        </div>
      )}
    </div>
  );
}
