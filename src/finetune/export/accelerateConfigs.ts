/**
 * @file The `accelerate` configs an exported recipe ships, as `accelerate config` writes them
 * (accelerate 1.15's ClusterConfig keys; the integration test loads every one with
 * `ClusterConfig.from_yaml_file`, which rejects unknown keys). They follow TRL's own
 * trl/accelerate_configs (single_gpu, multi_gpu, zero3, fsdp2), plus a one-process CPU config
 * for a smoke test on any machine. GPU configs train in bf16; `num_processes` is the total
 * over all machines, and the multi-node fields (`num_machines`, `machine_rank`,
 * `main_process_ip`) are usually overridden on the `accelerate launch` line (README.md).
 */

/** One config file: its name in `accelerate/` and what it is for. */
export interface AccelerateConfig {
  readonly file: string;
  readonly title: string;
  readonly yaml: string;
}

/** Keys every config shares, in `accelerate config`'s (alphabetical) order around the varying ones. */
function config(fields: Readonly<Record<string, string>>): string {
  const common: Record<string, string> = {
    compute_environment: 'LOCAL_MACHINE',
    debug: 'false',
    downcast_bf16: "'no'",
    enable_cpu_affinity: 'false',
    machine_rank: '0',
    main_training_function: 'main',
    mixed_precision: 'bf16',
    num_machines: '1',
    rdzv_backend: 'static',
    same_network: 'true',
    tpu_env: '[]',
    tpu_use_cluster: 'false',
    tpu_use_sudo: 'false',
    use_cpu: 'false',
    ...fields,
  };
  return `${Object.keys(common)
    .sort()
    .map((key) => (common[key].startsWith('\n') ? `${key}:${common[key]}` : `${key}: ${common[key]}`))
    .join('\n')}\n`;
}

/** A nested mapping, two-space indented as `accelerate config` writes it. */
function nested(fields: Readonly<Record<string, string>>): string {
  return Object.keys(fields)
    .sort()
    .map((key) => `\n  ${key}: ${fields[key]}`)
    .join('');
}

/** The configs, for a machine with `gpus` GPUs. */
export function accelerateConfigs(gpus: number): AccelerateConfig[] {
  return [
    { file: 'cpu.yaml', title: 'one process on the CPU (a smoke test)', yaml: config({ distributed_type: "'NO'", mixed_precision: "'no'", num_processes: '1', use_cpu: 'true' }) },
    { file: 'single_gpu.yaml', title: 'one GPU', yaml: config({ distributed_type: "'NO'", gpu_ids: 'all', num_processes: '1' }) },
    { file: 'multi_gpu.yaml', title: `${gpus} GPUs, data parallel (DDP)`, yaml: config({ distributed_type: 'MULTI_GPU', gpu_ids: 'all', num_processes: String(gpus) }) },
    {
      file: 'zero3.yaml',
      title: `${gpus} GPUs, DeepSpeed ZeRO-3 (needs deepspeed)`,
      yaml: config({
        distributed_type: 'DEEPSPEED',
        num_processes: String(gpus),
        deepspeed_config: nested({
          deepspeed_multinode_launcher: 'standard',
          offload_optimizer_device: 'none',
          offload_param_device: 'none',
          zero3_init_flag: 'true',
          zero3_save_16bit_model: 'true',
          zero_stage: '3',
        }),
      }),
    },
    {
      file: 'fsdp2.yaml',
      title: `${gpus} GPUs, FSDP2`,
      yaml: config({
        distributed_type: 'FSDP',
        num_processes: String(gpus),
        fsdp_config: nested({
          fsdp_activation_checkpointing: 'false',
          fsdp_auto_wrap_policy: 'TRANSFORMER_BASED_WRAP',
          fsdp_cpu_ram_efficient_loading: 'true',
          fsdp_offload_params: 'false',
          fsdp_reshard_after_forward: 'true',
          fsdp_state_dict_type: 'FULL_STATE_DICT',
          fsdp_version: '2',
        }),
      }),
    },
  ];
}
