import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Nothing to see: the driver talks to `window.bench`. */
@Component({
  selector: 'app-root',
  template: '<p>Benchmark harness</p>',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class BenchRoot {}
