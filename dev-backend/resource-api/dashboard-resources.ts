/**
 * The dashboard's six resources: small fixed data sets, stamped with the caller and the time so
 * the app can show that each one was fetched (and fetched again on Reload) for the signed-in user.
 */

export const DASHBOARD_RESOURCES = [
  'weather',
  'news',
  'stocks',
  'tasks',
  'messages',
  'calendar',
] as const;

export type DashboardResourceName = (typeof DASHBOARD_RESOURCES)[number];

export interface DashboardItem {
  readonly label: string;
  readonly value: string;
}

/** Body of GET /api/dashboard/<resource>. */
export interface DashboardResource {
  readonly resource: DashboardResourceName;
  readonly title: string;
  readonly summary: string;
  readonly items: readonly DashboardItem[];
  /** The token's `sub`: whose dashboard this is. */
  readonly subject: string;
  /** ISO 8601 time of this answer. */
  readonly generatedAt: string;
}

type Content = Pick<DashboardResource, 'title' | 'summary' | 'items'>;

const CONTENT: Readonly<Record<DashboardResourceName, Content>> = {
  weather: {
    title: 'Weather',
    summary: 'Mild and mostly sunny',
    items: [
      { label: 'Now', value: '18 °C, sunny' },
      { label: 'Tonight', value: '11 °C, clear' },
      { label: 'Tomorrow', value: '20 °C, light clouds' },
    ],
  },
  news: {
    title: 'News',
    summary: '3 new headlines',
    items: [
      { label: 'Tech', value: 'Angular 21 ships zoneless by default' },
      { label: 'Security', value: 'Refresh token rotation becomes the norm for SPAs' },
      { label: 'Local', value: 'Tea party in Wonderland runs late again' },
    ],
  },
  stocks: {
    title: 'Stocks',
    summary: 'Markets slightly up',
    items: [
      { label: 'ACME', value: '142.10 (+1.2%)' },
      { label: 'INIT', value: '88.45 (-0.4%)' },
      { label: 'WIDG', value: '23.90 (+0.8%)' },
    ],
  },
  tasks: {
    title: 'Tasks',
    summary: '2 of 4 done',
    items: [
      { label: 'Review pull request', value: 'done' },
      { label: 'Update dependencies', value: 'done' },
      { label: 'Write release notes', value: 'open' },
      { label: 'Plan sprint', value: 'open' },
    ],
  },
  messages: {
    title: 'Messages',
    summary: '2 unread',
    items: [
      { label: 'White Rabbit', value: "I'm late!" },
      { label: 'Cheshire Cat', value: 'We are all mad here.' },
    ],
  },
  calendar: {
    title: 'Calendar',
    summary: '3 events today',
    items: [
      { label: '09:30', value: 'Stand-up' },
      { label: '13:00', value: 'Lunch with the Hatter' },
      { label: '16:00', value: 'Croquet with the Queen' },
    ],
  },
};

/** True when `name` is one of the six resources. */
export function isDashboardResource(name: string): name is DashboardResourceName {
  return (DASHBOARD_RESOURCES as readonly string[]).includes(name);
}

/** Builds the answer for `resource` as seen by `subject`. */
export function dashboardResource(
  resource: DashboardResourceName,
  subject: string,
  now = new Date(),
): DashboardResource {
  return { resource, ...CONTENT[resource], subject, generatedAt: now.toISOString() };
}
