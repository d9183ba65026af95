import { slackDate } from "./mrkdwn.js";
import {
  acknowledgeActionId,
  type SlackAttachment,
  type SlackBlock,
  type SlackMessageContent,
} from "./slackMessage.js";

/** A message as Slack sends it back in an interaction payload. */
export interface SlackMessageSnapshot {
  text?: string | undefined;
  blocks?: SlackBlock[] | undefined;
  attachments?: SlackAttachment[] | undefined;
}

/** Who acknowledged, and when. */
export interface AcknowledgedBy {
  /** The Slack user ID (`U…`), rendered as a mention so Slack shows the current display name. */
  userId: string;
  /** Shown in the plain-text fallback. */
  userName: string;
  /** Milliseconds since the epoch. */
  at: number;
}

function withoutAckButton(blocks: SlackBlock[]): { blocks: SlackBlock[]; had: boolean } {
  let had = false;
  const out: SlackBlock[] = [];
  for (const block of blocks) {
    if (block.type === "actions" && Array.isArray(block.elements)) {
      const elements = (block.elements as { action_id?: unknown }[]).filter(
        (e) => e.action_id !== acknowledgeActionId,
      );
      if (elements.length !== block.elements.length) had = true;
      if (elements.length > 0) out.push({ ...block, elements });
      continue;
    }
    out.push(block);
  }
  return { blocks: out, had };
}

function ackContext(by: AcknowledgedBy): SlackBlock {
  const userId = /^[UW][A-Z0-9]+$/.test(by.userId) ? by.userId : "";
  const who = userId
    ? `<@${userId}>`
    : by.userName.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  return {
    type: "context",
    block_id: "amstaff_acknowledged",
    elements: [{ type: "mrkdwn", text: `:raised_hand: Acknowledged by ${who} ${slackDate(by.at)}` }],
  };
}

/**
 * The alert message as it should look once acknowledged: the Acknowledge button removed and an
 * "Acknowledged by @name" line added where the button was. Other buttons ("View in Amstaff") stay.
 *
 * @example
 * ```ts
 * const updated = acknowledgedMessage(payload.message, { userId: "U123", userName: "ada", at: Date.now() });
 * await client.chat.update({ channel, ts, ...updated });
 * ```
 */
export function acknowledgedMessage(message: SlackMessageSnapshot, by: AcknowledgedBy): SlackMessageContent {
  const context = ackContext(by);
  let placed = false;
  const attachments = (message.attachments ?? []).map((raw) => {
    // Slack hands colours back without their "#"; send them back in the documented "#RRGGBB" form.
    const attachment =
      typeof raw.color === "string" && /^[0-9A-Fa-f]{6}$/.test(raw.color)
        ? { ...raw, color: `#${raw.color}` }
        : raw;
    if (!Array.isArray(attachment.blocks)) return attachment;
    const { blocks, had } = withoutAckButton(
      attachment.blocks.filter((b) => b.block_id !== context.block_id),
    );
    if (!had) return { ...attachment, blocks };
    placed = true;
    return { ...attachment, blocks: [...blocks, context] };
  });
  const blocks = withoutAckButton(
    (message.blocks ?? []).filter((b) => b.block_id !== context.block_id),
  ).blocks;
  if (!placed) blocks.push(context);
  const text = `${message.text ?? ""} (acknowledged by @${by.userName})`.trim();
  return { text, blocks, ...(attachments.length > 0 ? { attachments } : {}) };
}
