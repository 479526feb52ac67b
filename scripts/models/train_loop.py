"""Time-budgeted training of one causal LM: AdamW, warm-up, cosine decay to 10%. Many of these run side by side
on one GPU (one process each), so the step count is fitted to a wall-clock budget after measuring the speed."""
import math
import time

import numpy as np
import torch


def train(model, src, seq_len, steps, lr, bsz_tokens, seconds, log, device='cuda', warmup=60):
    """Trains on src.batch(bsz, seq_len + 1). If `steps` would not fit in `seconds` (measured on steps 20..60, after
    start-up), the schedule is shortened so that it still decays. Returns (mean loss of the last 50 steps, steps
    run, loss curve sampled every 50 steps)."""
    model.to(device).train()
    bsz = max(1, bsz_tokens // seq_len)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1, eps=1e-8)
    plan = {'steps': steps}

    def factor(s):
        return min(1.0, (s + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, s / plan['steps']))))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    use_amp = device.startswith('cuda')
    losses, curve = [], []
    t0 = time.time()
    t20 = None
    step = 0
    while step < plan['steps']:
        x = torch.from_numpy(src.batch(bsz, seq_len + 1)).to(device, non_blocking=True)
        with autocast(device):
            logits = model(input_ids=x[:, :-1]).logits
        loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 10 == 0 or step == plan['steps'] - 1:
            losses.append(loss.item())  # .item() syncs: only every 10 steps
        if step == 20:
            t20 = time.time()
        if step == 60 and t20 is not None:
            per_step = (time.time() - t20) / 40
            fit = int((seconds - (time.time() - t0)) / per_step) + 61
            if fit < plan['steps']:
                log(f'{per_step * 1000:.0f} ms/step at bsz {bsz}x{seq_len}: {plan["steps"]} steps do not fit in '
                    f'{seconds:.0f}s, running {max(fit, 100)}')
                plan['steps'] = max(fit, 100)
        if step % 500 == 0:
            log(f'step {step}/{plan["steps"]} loss {np.mean(losses[-5:]):.3f} ({time.time() - t0:.0f}s)')
        if step % 50 == 0:
            curve.append([step, round(float(np.mean(losses[-5:])), 4)])
        step += 1
    model.cpu().eval()
    return float(np.mean(losses[-5:])), step, curve


def autocast(device):
    """bfloat16 autocast on CUDA; nothing on the CPU (CPU smoke runs with Debian's torch)."""
    import contextlib
    return torch.autocast('cuda', dtype=torch.bfloat16) if device.startswith('cuda') else contextlib.nullcontext()
