import { Empty, when } from './ui';

export interface TimelineEvent {
  at: string;
  type: string;
  message: string;
}

/** What happened to a workflow-run resource, oldest first, under its own heading. */
export function Timeline({ events, headingId, title = 'Timeline' }: { events: TimelineEvent[]; headingId: string; title?: string }) {
  return (
    <section className="card" aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      {events.length === 0 ? (
        <Empty>Nothing has happened yet.</Empty>
      ) : (
        <ol className="timeline">
          {events.map((e, i) => (
            <li key={i}>
              <time dateTime={e.at}>{when(e.at)}</time> <span className="muted">[{e.type.replace(/_/g, ' ')}]</span> {e.message}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
