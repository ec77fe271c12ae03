import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** Every `lapse_*` series the dashboard graphs is a metric the code registers (prom-client names). */
describe('deploy/grafana/lapse-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(join(root, 'deploy/grafana/lapse-dashboard.json'), 'utf8'));
  const expressions: string[] = dashboard.panels.flatMap((panel: { targets: { expr: string }[] }) =>
    panel.targets.map((target) => target.expr),
  );
  const source = ['apps', 'libs']
    .flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true }).map((file) => join(dir, String(file))),
    )
    .filter((file) => file.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec|kafka-spec)\.ts$/.test(file))
    .map((file) => readFileSync(join(root, file), 'utf8'))
    .join('\n');

  it('graphs only metrics the services register', () => {
    const names = new Set(
      expressions.flatMap((expr) =>
        [...expr.matchAll(/\b(lapse_[a-z_]+)/g)].map((match) => match[1].replace(/_(bucket|count|sum)$/, '')),
      ),
    );
    expect(names.size).toBeGreaterThan(8);
    expect([...names].filter((name) => !source.includes(`'${name}'`))).toEqual([]);
  });
});
