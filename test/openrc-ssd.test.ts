import { forkingSuite, lifecycleSuite } from './support/openrc-lifecycle.js';

// Every fixture with a foreground program, with restart "no": start-stop-daemon.
for (const fixture of ['minimal', 'maximal', 'homesite']) lifecycleSuite(fixture, 'start-stop-daemon');
forkingSuite('forking');
