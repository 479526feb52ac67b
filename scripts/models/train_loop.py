"""Time-budgeted training of one causal LM: AdamW, warm-up, cosine decay to 10%. Many of these run side by side
on one GPU (one process each), so the step count is fitted to a wall-clock budget after measuring the speed."""
import math
import time

import numpy as np
import torch


def train(model, src, seq_len, steps, lr, bsz_tokens, seconds, log, device='cuda', warmup=100):
    """Trains on src.batch(bsz, seq_len + 1) = (tokens, loss weights of each token as a target). If `steps` would not fit in `seconds` (re-measured every 100 steps after
    start-up), the schedule is shortened so that it still decays. Returns ({weighted, unweighted} mean loss over the
    last 50 steps, steps run, loss curve [step, weighted, unweighted] every 50 steps). Weighted = the training
    objective (answer tokens weigh more); unweighted = plain next-token cross-entropy (nats/token)."""
    model.to(device).train()
    bsz = max(1, bsz_tokens // seq_len)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1, eps=1e-8)
    plan = {'steps': steps}

    def factor(s):
        return min(1.0, (s + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, s / plan['steps']))))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    use_amp = device.startswith('cuda')
    losses, plain, curve = [], [], []
    t0 = time.time()
    t_mark = s_mark = None
    step = 0
    while step < plan['steps']:
        xs, ws = src.batch(bsz, seq_len + 1)
        x = torch.from_numpy(xs).to(device, non_blocking=True)
        w = torch.from_numpy(ws[:, 1:]).to(device, non_blocking=True)  # weight of each predicted token
        with autocast(device):
            logits = model(input_ids=x[:, :-1]).logits
        ce = torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1),
                                             reduction='none')
        loss = (ce * w.reshape(-1)).sum() / w.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 10 == 0 or step == plan['steps'] - 1:
            losses.append(loss.item())  # .item() syncs: only every 10 steps
            plain.append(ce.mean().item())
        if step == 20:
            t_mark, s_mark = time.time(), step
        if step >= 60 and step % 100 == 0 and t_mark is not None:
            # Re-fit the plan to the budget from the recent speed: processes beside this one start and finish,
            # so the speed changes during the run. The cosine schedule follows the plan.
            per_step = (time.time() - t_mark) / (step - s_mark)
            fit = step + int((seconds - (time.time() - t0)) / per_step)
            new_plan = max(min(steps, fit), step + 1, 100)
            if new_plan != plan['steps'] and (step == 60 or abs(new_plan - plan['steps']) > 50):
                log(f'{per_step * 1000:.0f} ms/step at bsz {bsz}x{seq_len}: plan {plan["steps"]} -> {new_plan} steps '
                    f'for {seconds:.0f}s')
                plan['steps'] = new_plan
            t_mark, s_mark = time.time(), step
        if step % 500 == 0:
            log(f'step {step}/{plan["steps"]} loss {np.mean(losses[-5:]):.3f} ({time.time() - t0:.0f}s)')
        if step % 50 == 0:
            curve.append([step, round(float(np.mean(losses[-5:])), 4), round(float(np.mean(plain[-5:])), 4)])
        step += 1
    model.cpu().eval()
    return {'weighted': float(np.mean(losses[-5:])), 'unweighted': float(np.mean(plain[-5:]))}, step, curve


def autocast(device):
    """bfloat16 autocast on CUDA; nothing on the CPU (CPU smoke runs with Debian's torch)."""
    import contextlib
    return torch.autocast('cuda', dtype=torch.bfloat16) if device.startswith('cuda') else contextlib.nullcontext()
