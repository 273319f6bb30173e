import { z } from "zod";

/**
 * The document `securelog report --json` prints. docs/analysis.md holds its JSON Schema, generated from this
 * (z.toJSONSchema); a test keeps the two equal and validates real output against it. Masks are the full stored
 * values, so they join back to user_logins; no raw ip or device id is ever part of it.
 */
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const count = z.number().int().nonnegative();

/** What --min-group left out of a section: groups with fewer distinct users than K, and their logins. */
const hidden = z.object({ groups: count, logins: count });

export const ReportSchema = z.object({
  since: date.nullable(),
  until: date.nullable(),
  top: count,
  min_group: count,
  days: z.array(z.object({ date, logins: count, users: count })),
  rejections: z.array(z.object({ date, reason: z.string(), count })),
  shared_devices: z.array(
    z.object({
      masked_device_id: z.string(),
      users: count,
      logins: count,
      first_seen: date,
      last_seen: date,
    }),
  ),
  busy_ips: z.array(z.object({ date, masked_ip: z.string(), users: count, logins: count })),
  roaming_users: z.array(z.object({ user_id: z.string(), devices: count, ips: count, logins: count })),
  app_versions: z.array(z.object({ date, app_version: z.number().int(), logins: count })),
  device_types: z.array(z.object({ device_type: z.string(), logins: count, users: count })),
  locales: z.array(z.object({ locale: z.string().nullable(), logins: count, users: count })),
  other: z.object({
    days: hidden,
    shared_devices: hidden,
    busy_ips: hidden,
    roaming_users: hidden,
    app_versions: hidden,
    device_types: hidden,
    locales: hidden,
  }),
});

export type Report = z.infer<typeof ReportSchema>;
export type HiddenCounts = Report["other"];
