/**
 * The LTI 1.3 claims Drillbook reads from a launch's id_token, as zod
 * schemas (the type and the check). Claim names are the IMS URIs.
 */
import { z } from 'zod';

export const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
export const AGS_ENDPOINT = 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint';
export const DL_SETTINGS = 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings';
export const DL_CONTENT_ITEMS = 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items';
export const DL_DATA = 'https://purl.imsglobal.org/spec/lti-dl/claim/data';
export const AGS_SCORE_SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';

export const MESSAGE_TYPES = ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'] as const;

/** Roles that may create a course's workshop and place content (LIS v2 vocabulary, as Moodle and Canvas send them). */
const INSTRUCTOR_ROLES = new Set([
  'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  'http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper',
  'http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant',
  'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator',
]);

export function isInstructor(roles: string[]): boolean {
  return roles.some((r) => INSTRUCTOR_ROLES.has(r));
}

const text = (max: number) => z.string().max(max);

/** What Drillbook uses of a verified id_token (signature, iss, aud, exp, iat and nonce are checked before). */
export const LaunchClaims = z.object({
  sub: z.string().min(1).max(255).describe('The platform user id'),
  nonce: z.string().min(1).max(255),
  name: text(200).optional(),
  given_name: text(200).optional(),
  family_name: text(200).optional(),
  email: text(320).optional(),
  [`${LTI}message_type`]: z.string(),
  [`${LTI}version`]: z.string(),
  [`${LTI}deployment_id`]: z.string().min(1).max(255),
  [`${LTI}roles`]: z.array(z.string()),
  [`${LTI}target_link_uri`]: z.string().optional(),
  [`${LTI}resource_link`]: z.object({ id: z.string().min(1).max(255), title: text(500).optional() }).optional(),
  [`${LTI}context`]: z.object({ id: z.string().min(1).max(255), label: text(500).optional(), title: text(500).optional() }).optional(),
  [`${LTI}custom`]: z.record(z.string(), z.unknown()).optional(),
  [`${LTI}lis`]: z
    .object({ person_sourcedid: text(255).optional() })
    .loose()
    .optional(),
  [`${LTI}launch_presentation`]: z.object({ document_target: z.string().optional(), return_url: z.string().optional() }).loose().optional(),
  [AGS_ENDPOINT]: z
    .object({ scope: z.array(z.string()).default([]), lineitem: z.string().optional(), lineitems: z.string().optional() })
    .optional(),
  [DL_SETTINGS]: z
    .object({
      deep_link_return_url: z.string(),
      accept_types: z.array(z.string()).default([]),
      accept_multiple: z.boolean().optional(),
      data: z.string().optional(),
    })
    .optional(),
});
export type LaunchClaims = z.infer<typeof LaunchClaims>;
