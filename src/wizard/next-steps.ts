import { shWord } from '../escape.js';
import type { Service } from '../spec/types.js';
import type { TargetId } from '../targets/index.js';
import { openrcNames } from '../targets/openrc.js';
import { rcName } from '../targets/rcd.js';
import { unitName } from '../targets/systemd.js';
import { createUserCommand, type Machine } from './machine.js';

/**
 * What to run, as root, to install and start what was written to `out`
 * (a path as shown to the user). One block per target.
 */
export function nextSteps(svc: Service, targets: readonly TargetId[], out: string, machine: Machine): string[] {
  const dir = (sub: string) => shWord(`${out}/${sub}`);
  const lines = ['Next steps, as root:'];
  if (svc.user !== undefined && machine.userExists(svc.user) === false) {
    lines.push(`  create the account first: ${createUserCommand(machine.platform, svc.user, svc.group)}`);
  }
  if (targets.includes('openrc')) {
    const { entry } = openrcNames(svc);
    lines.push(
      '  OpenRC:',
      `    cp -P ${dir('openrc/init.d')}/* /etc/init.d/`,
      `    cp ${dir('openrc/conf.d')}/* /etc/conf.d/`,
      `    rc-update add ${entry} default && rc-service ${entry} start`,
    );
  }
  if (targets.includes('rcd')) {
    const rc = rcName(svc);
    lines.push(
      `  FreeBSD: in a port, copy rcd/files/${rc}.in to files/ and merge Makefile.snippet and pkg-plist; or install directly:`,
      `    sed -e 's|%%PREFIX%%|/usr/local|g' -e 's|%%LOCALBASE%%|/usr/local|g' ${dir(`rcd/files/${rc}.in`)} > /usr/local/etc/rc.d/${rc}`,
      `    chmod 555 /usr/local/etc/rc.d/${rc}`,
      `    sysrc ${rc}_enable=YES && service ${rc} start`,
    );
  }
  if (targets.includes('systemd')) {
    const unit = unitName(svc);
    lines.push('  systemd:', `    cp ${dir(`systemd/${unit}`)} /etc/systemd/system/`, `    systemctl daemon-reload && systemctl enable --now ${unit}`);
  }
  return lines;
}
