/** Prometheus text-format metrics, kept by hand (a handful of series, no dependency). */

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  readonly counters = { posted: 0, delivered: 0, acked: 0, pruned: 0, pushed: 0, sessionsOpened: 0 };
  /** Sessions refused or closed by the relay, by reason (wrong_server_key, replayed, forged, slow_client, ...). */
  private readonly sessionRefusals = new Map<string, number>();

  sessionRefused(reason: string): void {
    this.sessionRefusals.set(reason, (this.sessionRefusals.get(reason) ?? 0) + 1);
  }

  request(type: string, result: string, seconds: number): void {
    const key = `${type}\u0000${result}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.durations.get(type);
    if (!h) this.durations.set(type, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  /** The exposition text; `gauges` are sampled by the caller at scrape time. */
  render(gauges: {
    heldPolls: number;
    storeUp: boolean;
    wakeupsReceived?: number;
    sessions?: number;
    subscriptions?: number;
    watchedQueues?: number;
    queues?: number;
    messages?: number;
  }): string {
    const out: string[] = [];
    out.push('# HELP meow_requests_total Relay requests by type and result (OK or an error code).');
    out.push('# TYPE meow_requests_total counter');
    for (const [key, n] of [...this.requests].sort()) {
      const [type, result] = key.split('\u0000') as [string, string];
      out.push(`meow_requests_total${labels({ type, result })} ${n}`);
    }
    out.push('# HELP meow_request_duration_seconds Request latency (pulls include their long-poll hold).');
    out.push('# TYPE meow_request_duration_seconds histogram');
    for (const [type, h] of [...this.durations].sort()) {
      BUCKETS.forEach((b, i) =>
        out.push(`meow_request_duration_seconds_bucket${labels({ type, le: String(b) })} ${h.counts[i]}`),
      );
      out.push(`meow_request_duration_seconds_bucket${labels({ type, le: '+Inf' })} ${h.count}`);
      out.push(`meow_request_duration_seconds_sum${labels({ type })} ${h.sum}`);
      out.push(`meow_request_duration_seconds_count${labels({ type })} ${h.count}`);
    }
    const counter = (name: string, help: string, v: number) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${v}`);
    const gauge = (name: string, help: string, v: number) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${v}`);
    counter('meow_messages_posted_total', 'Messages newly queued by this process.', this.counters.posted);
    counter(
      'meow_messages_delivered_total',
      'Messages handed out by pulls (redeliveries included).',
      this.counters.delivered,
    );
    counter('meow_messages_acked_total', 'Messages removed by acknowledgement.', this.counters.acked);
    counter(
      'meow_messages_pruned_total',
      'Messages removed by retention (embedded store).',
      this.counters.pruned,
    );
    gauge('meow_sessions', 'Open relay sessions (WebSockets past their handshake).', gauges.sessions ?? 0);
    gauge('meow_session_subscriptions', 'Queues subscribed by open sessions.', gauges.subscriptions ?? 0);
    counter(
      'meow_sessions_opened_total',
      'Sessions that completed the handshake.',
      this.counters.sessionsOpened,
    );
    counter('meow_messages_pushed_total', 'Messages pushed to sessions.', this.counters.pushed);
    out.push(
      '# HELP meow_session_refusals_total Sessions refused or dropped by the relay, by reason.',
      '# TYPE meow_session_refusals_total counter',
    );
    for (const [reason, n] of [...this.sessionRefusals].sort())
      out.push(`meow_session_refusals_total${labels({ reason })} ${n}`);
    gauge('meow_held_polls', 'Long-poll pulls being held right now.', gauges.heldPolls);
    counter(
      'meow_wakeups_received_total',
      'Wake-ups routed to this process for posts made through other processes (Redis).',
      gauges.wakeupsReceived ?? 0,
    );
    gauge(
      'meow_watched_queues',
      'Queues whose wake-ups are routed to this process (held pulls, and a short linger after).',
      gauges.watchedQueues ?? 0,
    );
    gauge(
      'meow_store_up',
      'Whether the store answered the last check (1) or not (0).',
      gauges.storeUp ? 1 : 0,
    );
    if (gauges.queues !== undefined) gauge('meow_queues', 'Non-empty queues in the store.', gauges.queues);
    if (gauges.messages !== undefined)
      gauge('meow_queue_messages', 'Messages waiting in all queues (queue depth total).', gauges.messages);
    return out.join('\n') + '\n';
  }
}
