/**
 * The environment for a child whose output a test compares as text: the same on a developer's machine and on CI.
 *
 * Two things change with the machine rather than with the code. Colours: a pipe alone does not switch them off, since
 * ansis (oclif, plugin-plugins) colours whenever `CI` or `COLORTERM` is set, and `FORCE_COLOR` turns them on for chalk and
 * supports-color too; FORCE_COLOR=0 turns every one of them off (NO_COLOR is dropped: Node warns when both are set).
 * Tables: with a truthy `CI`, @oclif/table (hux tables) prints its plain layout instead of the one a terminal shows;
 * OCLIF_TABLE_SKIP_CI_CHECK, its own switch, keeps the terminal layout the README shows.
 */
export function plainEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const plain: NodeJS.ProcessEnv = {...env, FORCE_COLOR: '0', OCLIF_TABLE_SKIP_CI_CHECK: 'true'}
  delete plain.NO_COLOR
  return plain
}
