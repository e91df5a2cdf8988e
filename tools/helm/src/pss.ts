/**
 * Pod Security Standards "restricted" (v1.34 / latest) for one pod spec, as the PodSecurity admission
 * plugin evaluates it: the baseline checks plus the restricted ones. Returns violations (empty = passes).
 */
type Json = Record<string, unknown>;

const RESTRICTED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const BASELINE_CAPS = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

export function podSecurityRestrictedViolations(podSpec: Json): string[] {
  const v: string[] = [];
  const psc = obj(podSpec.securityContext);
  const containers = [
    ...arr(podSpec.initContainers).map((c) => ['initContainer', c] as const),
    ...arr(podSpec.containers).map((c) => ['container', c] as const),
    ...arr(podSpec.ephemeralContainers).map((c) => ['ephemeralContainer', c] as const),
  ];
  if (arr(podSpec.containers).length === 0) v.push('pod has no containers');

  // baseline
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC'] as const)
    if (podSpec[k] === true) v.push(`${k}=true`);
  if (obj(psc.windowsOptions).hostProcess === true) v.push('pod windowsOptions.hostProcess=true');
  for (const s of arr(psc.sysctls))
    if (!SAFE_SYSCTLS.has(String(s.name))) v.push(`unsafe sysctl ${String(s.name)}`);
  const podSeLinux = obj(psc.seLinuxOptions);
  if (podSeLinux.user || podSeLinux.role) v.push('pod seLinuxOptions user/role set');
  if (
    podSeLinux.type &&
    !['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(
      String(podSeLinux.type),
    )
  )
    v.push(`pod seLinuxOptions.type ${String(podSeLinux.type)}`);
  if (
    obj(psc.appArmorProfile).type &&
    !['RuntimeDefault', 'Localhost'].includes(String(obj(psc.appArmorProfile).type))
  )
    v.push('pod appArmorProfile not RuntimeDefault/Localhost');

  // restricted: volumes
  for (const vol of arr(podSpec.volumes)) {
    const types = Object.keys(vol).filter((k) => k !== 'name');
    for (const t of types)
      if (!RESTRICTED_VOLUME_TYPES.has(t)) v.push(`volume ${String(vol.name)} uses ${t}`);
  }

  // restricted: pod-level seccomp must not be Unconfined; runAsNonRoot/runAsUser
  const podSeccomp = obj(psc.seccompProfile).type as string | undefined;
  if (podSeccomp !== undefined && !['RuntimeDefault', 'Localhost'].includes(podSeccomp))
    v.push(`pod seccompProfile.type ${podSeccomp}`);
  if (psc.runAsNonRoot === false) v.push('pod runAsNonRoot=false');
  if (psc.runAsUser === 0) v.push('pod runAsUser=0');

  for (const [what, c] of containers) {
    const name = `${what} ${String(c.name)}`;
    const sc = obj(c.securityContext);
    if (sc.privileged === true) v.push(`${name}: privileged`);
    if (obj(sc.windowsOptions).hostProcess === true) v.push(`${name}: hostProcess`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default')
      v.push(`${name}: procMount ${String(sc.procMount)}`);
    for (const p of arr(c.ports))
      if (p.hostPort !== undefined && p.hostPort !== 0) v.push(`${name}: hostPort ${String(p.hostPort)}`);
    const se = obj(sc.seLinuxOptions);
    if (se.user || se.role) v.push(`${name}: seLinuxOptions user/role set`);
    if (
      obj(sc.appArmorProfile).type &&
      !['RuntimeDefault', 'Localhost'].includes(String(obj(sc.appArmorProfile).type))
    )
      v.push(`${name}: appArmorProfile not RuntimeDefault/Localhost`);
    // restricted
    if (sc.allowPrivilegeEscalation !== false) v.push(`${name}: allowPrivilegeEscalation must be false`);
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    if (nonRoot !== true) v.push(`${name}: runAsNonRoot must be true (pod or container)`);
    if (sc.runAsUser === 0) v.push(`${name}: runAsUser=0`);
    const seccomp = (obj(sc.seccompProfile).type as string | undefined) ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      v.push(`${name}: seccompProfile.type must be RuntimeDefault or Localhost (pod or container)`);
    const caps = obj(sc.capabilities);
    const drop = arr(caps.drop).map(String);
    if (!drop.includes('ALL')) v.push(`${name}: capabilities.drop must include ALL`);
    for (const add of arr(caps.add).map(String)) {
      if (add !== 'NET_BIND_SERVICE')
        v.push(`${name}: capabilities.add ${add} (only NET_BIND_SERVICE allowed)`);
      if (!BASELINE_CAPS.has(add)) v.push(`${name}: capability ${add} not allowed by baseline`);
    }
  }
  return v;
}

/** Every pod spec inside a manifest (Pod, Job, CronJob, Deployment & co.) with its location. */
export function podSpecsOf(m: Json): { where: string; spec: Json }[] {
  const kind = String(m.kind);
  const name = String(obj(m.metadata).name);
  const spec = obj(m.spec);
  switch (kind) {
    case 'Pod':
      return [{ where: `Pod/${name}`, spec }];
    case 'CronJob':
      return [{ where: `CronJob/${name}`, spec: obj(obj(obj(obj(spec.jobTemplate).spec).template).spec) }];
    case 'Job':
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'PodTemplate':
      return [
        {
          where: `${kind}/${name}`,
          spec: obj(obj(kind === 'PodTemplate' ? m.template : spec.template).spec),
        },
      ];
    default:
      return [];
  }
}
