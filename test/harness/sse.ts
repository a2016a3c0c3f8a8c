/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Reads an event stream in the background (fetch's body, parsed by the SSE rules: blank line
 * ends an event, `:` lines are comments). `events` grows as they arrive; `close` ends the request.
 */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string | null; events: SseEvent[]; comments: string[]; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  if (res.ok && res.body !== null) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      let current: { id?: string; event?: string; data: string[] } = { data: [] };
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (line === '') {
              if (current.data.length > 0) events.push({ id: current.id, event: current.event ?? 'message', data: current.data.join('\n') });
              current = { data: [] };
            } else if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else {
              const i = line.indexOf(':');
              const field = i < 0 ? line : line.slice(0, i);
              const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
              if (field === 'data') current.data.push(value);
              else if (field === 'id') current.id = value;
              else if (field === 'event') current.event = value;
            }
          }
        }
      } catch {
        /* aborted by close() */
      }
    })();
  }
  return { status: res.status, contentType: res.headers.get('content-type'), events, comments, close: () => controller.abort() };
}
