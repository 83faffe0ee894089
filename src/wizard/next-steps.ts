import { shWord } from '../escape.js';
import type { Service } from '../spec/types.js';
import type { TargetId } from '../targets/index.js';
import { openrcNames } from '../targets/openrc.js';
import { rcName } from '../targets/rcd.js';
import { systemdNames } from '../targets/systemd.js';
import { createUserCommand, type Machine } from './machine.js';

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
  if (targets.includes('openrc')) {
    const { entry } = openrcNames(svc);
    lines.push('  OpenRC:', install('openrc'), `    rc-update add ${entry} default && rc-service ${entry} start`);
  }
  if (targets.includes('rcd')) {
    const rc = rcName(svc);
    lines.push(
      `  FreeBSD: in a port, copy rcd/files/${rc}.in to files/ and merge Makefile.snippet and pkg-plist; or install directly:`,
      install('rcd'),
      `    sysrc ${rc}_enable=YES && service ${rc} start`,
    );
  }
  if (targets.includes('systemd')) {
    const { unit } = systemdNames(svc);
    lines.push('  systemd:', install('systemd'), `    systemctl daemon-reload && systemctl enable --now ${unit}`);
  }
  return lines;
}
