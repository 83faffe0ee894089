import { shWord } from '../escape.js';
import { enableSteps, startCommands, tmpfilesCommand } from '../install/enable.js';
import type { GeneratedFile } from '../files.js';
import type { Service } from '../spec/types.js';
import type { TargetId } from '../targets/index.js';
import { openrcNames } from '../targets/openrc.js';
import { rcName } from '../targets/rcd.js';
import { systemdNames } from '../targets/systemd.js';
import { createUserCommand, type Machine } from './machine.js';
import { LAYOUT, TMPFILES_FILE } from '../layout.js';

/**
 * What to run, as root, to install and start what was written to `out`
 * (a path as shown to the user). One block per target.
 */
export function nextSteps(svc: Service, targets: readonly TargetId[], out: string, machine: Machine, files: readonly GeneratedFile[] = []): string[] {
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
      // A family is one script; its member is a profile of it (${rc}_profiles).
      svc.family === undefined ? enableAndStart('rcd', rc) : `    sysrc ${rc}_enable=YES ${rc}_profiles+=${svc.name} && service ${rc} start ${svc.name}`,
    );
  }
  if (targets.includes('systemd')) {
    // One command where install prints three: enable --now also starts it.
    const { unit } = systemdNames(svc);
    // Where install puts a tmpfiles.d file; its directories must exist before the first start.
    const installed = files.flatMap((f) => TMPFILES_FILE.exec(f.path)?.slice(1, 2).map((name) => `usr/lib/tmpfiles.d/${name}`) ?? []);
    const tmpfiles = tmpfilesCommand(installed, '/');
    lines.push('  systemd:', install('systemd'), `    ${tmpfiles ? `${tmpfiles} && ` : ''}systemctl daemon-reload && systemctl enable --now ${unit}`);
  }
  return lines;
}
