import { shWord } from '../escape.js';
import { enableSteps, startCommands } from '../install/enable.js';
import type { Service } from '../spec/types.js';
import type { TargetId } from '../targets/index.js';
import { openrcNames } from '../targets/openrc.js';
import { rcName } from '../targets/rcd.js';
import { systemdNames } from '../targets/systemd.js';
import { createUserCommand, type Machine } from './machine.js';
import { LAYOUT } from '../layout.js';

/**
 * What to run, as root, to install and start what was written to `out`
 * (a path as shown to the user). One block per target.
 */
export function nextSteps(svc: Service, targets: readonly TargetId[], out: string, machine: Machine): string[] {
  const lines = ['Next steps, as root:'];
  if (svc.user !== undefined && machine.userExists(svc.user) === false) {
    lines.push(`  create the account first: ${createUserCommand(machine.platform, svc.user, svc.group)}`);
  }
  // `init-service install` puts each file where its init system reads it
  // (and fills in the ports' SUB_LIST tokens that a plain copy would leave).
  const install = (target: TargetId) => `    npx init-service install ${shWord(out)} --target ${target}`;
  // Enable at boot, then start: the commands `install` prints for a live system.
  const enableAndStart = (target: TargetId, name: string) => {
    const service = [{ target, name }];
    return `    ${[...enableSteps(service, '/').map((s) => s.shown), ...startCommands(service)].join(' && ')}`;
  };
  if (targets.includes('openrc')) {
    lines.push('  OpenRC:', install('openrc'), enableAndStart('openrc', openrcNames(svc).entry));
  }
  if (targets.includes('rcd')) {
    const rc = rcName(svc);
    lines.push(
      `  FreeBSD: in a port, copy ${LAYOUT.rcScript(rc)} to files/ and merge Makefile.snippet and pkg-plist; or install directly:`,
      install('rcd'),
      enableAndStart('rcd', rc),
    );
  }
  if (targets.includes('systemd')) {
    // One command where install prints three: enable --now also starts it.
    const { unit } = systemdNames(svc);
    lines.push('  systemd:', install('systemd'), `    systemctl daemon-reload && systemctl enable --now ${unit}`);
  }
  return lines;
}
