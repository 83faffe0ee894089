import { lifecycleSuite } from './support/openrc-lifecycle.js';

// Every fixture with a foreground program, with restart on: supervise-daemon.
for (const fixture of ['minimal', 'maximal', 'homesite']) lifecycleSuite(fixture, 'supervise-daemon');
