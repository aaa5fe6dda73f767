import { useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface TabDef {
  id: string;
  label: string;
  content: () => ReactNode;
}

/**
 * WAI-ARIA tabs: a tablist of buttons (arrow keys, Home and End move between them; only the selected one
 * is in the tab order) and the selected panel, labelled by its tab.
 */
export function Tabs({ tabs, selected, onSelect, label }: { tabs: TabDef[]; selected: string; onSelect: (id: string) => void; label: string }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const index = Math.max(0, tabs.findIndex((t) => t.id === selected));
  const current = tabs[index]!;
  const move = (e: KeyboardEvent) => {
    // From the tab that has focus, not the selected one: keys pressed faster than a render still move one each.
    const from = tabs.findIndex((t) => `tab-${t.id}` === (e.target as HTMLElement).id);
    const at = from === -1 ? index : from;
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length]!;
    onSelect(next.id);
    refs.current[next.id]?.focus();
  };
  return (
    <>
      <div role="tablist" aria-label={label} className="tablist" onKeyDown={move}>
        {tabs.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            role="tab"
            type="button"
            id={`tab-${t.id}`}
            aria-selected={t.id === current.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={t.id === current.id ? 0 : -1}
            className="tab"
            onClick={() => onSelect(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <section role="tabpanel" id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`} className="tabpanel" tabIndex={0}>
        {current.content()}
      </section>
    </>
  );
}
