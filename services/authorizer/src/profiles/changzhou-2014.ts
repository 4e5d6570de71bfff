import type { Profile } from "../policy/profile.ts";

/**
 * Changzhou Municipal Measures for the Administration of Public-Security Video Image Information
 * Systems, Chang-Zheng-Gui [2014] No. 15 (in force 2015-01-01), Art. 14, 16, 19, 21, 24, 25.
 */
export const changzhou2014: Profile = {
  id: "changzhou-2014",
  title: "Changzhou 2014 No. 15",
  officers: { min: 2, article: "Art. 25(1)" },
  documentArticle: "Art. 25(2)",
  bases: {
    law_enforcement: {
      article: "Art. 24(a)",
      label: "police or state-security law enforcement",
      requesterKinds: ["police", "state_security"],
      documents: [
        {
          kinds: ["certifying"],
          issuerKinds: ["police", "state_security"],
          minIssuerLevel: "county",
        },
      ],
      caseRefRequired: false,
      maxDurationSec: 7 * 86_400,
    },
    investigation: {
      article: "Art. 24(b)",
      label: "investigation of a case",
      requesterKinds: ["investigative", "police", "state_security"],
      documents: [{ kinds: ["legal_instrument"] }],
      caseRefRequired: true,
      maxDurationSec: 7 * 86_400,
    },
    administrative: {
      article: "Art. 24(c)",
      label: "administrative law enforcement",
      requesterKinds: ["administrative"],
      documents: [{ kinds: ["enforcement"] }],
      caseRefRequired: false,
      approval: {
        article: "Art. 24(c)",
        approverKinds: ["police"],
        minLevel: "county",
        cameraDistrict: true,
        waivedByLawCitation: true,
      },
      maxDurationSec: 3 * 86_400,
    },
    emergency: {
      article: "Art. 24(d)",
      label: "declared emergency",
      requesterKinds: ["emergency", "police", "administrative", "state_security"],
      documents: [{ kinds: ["emergency_order"] }],
      caseRefRequired: true,
      maxDurationSec: 12 * 3_600,
      reviewAfter: true,
    },
    interested_party: {
      article: "Art. 24(e)",
      label: "interested party in a case",
      requesterKinds: ["party"],
      documents: [
        { kinds: ["judicial_application"], issuerKinds: ["judicial"], waivesApproval: true },
        { kinds: ["case_papers"] },
      ],
      caseRefRequired: true,
      approval: {
        article: "Art. 24(e)",
        approverKinds: ["police"],
        minLevel: "county",
        cameraDistrict: true,
      },
      maxDurationSec: 86_400,
    },
  },
  sharingArticle: "Art. 14",
  acceptanceArticle: "Art. 16",
  dismantledArticle: "Art. 19",
  retentionArticle: "Art. 21(7)",
  minRetentionDays: 30,
  tokenTtlSec: 300,
  sessionsPerCamera: 2,
  timeZone: "Asia/Shanghai",
};
