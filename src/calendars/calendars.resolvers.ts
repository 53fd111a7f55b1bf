import { authenticated } from '../auth/authenticated';
import { mutationPayload, queryResult } from '../common/errors';
import { isoDate } from '../common/validation';
import type { Resolvers } from '../generated/graphql';
import { timeOf } from './calendar-rules';
import { DEFAULT_REGION, EVERY_COUNTRY } from './service-calendar.entity';

export const calendarResolvers: Resolvers = {
  Query: {
    serviceCalendars: (_, { region, first, after }, context) => {
      const { actor } = authenticated(context);
      return queryResult(() => context.services.calendars.list(actor.orgId, { region }, { first, after }));
    },
    serviceCalendarInForce: (_, { region, asOf }, context) => {
      const { actor } = authenticated(context);
      const date = isoDate(asOf) ?? context.services.now().toISOString().slice(0, 10);
      return queryResult(() => context.services.calendars.inForce(actor.orgId, region, date));
    },
  },
  Mutation: {
    publishServiceCalendar: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return mutationPayload('calendar', () =>
        context.services.calendars.publish(actor, {
          ...input,
          effectiveFrom: isoDate(input.effectiveFrom)!,
          closingDays: (input.closingDays ?? []).map((day) => ({ ...day, date: isoDate(day.date)! })),
        }),
      );
    },
    changeServiceClosingDays: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return mutationPayload('calendar', () =>
        context.services.calendars.changeClosingDays(actor, {
          region: input.region,
          effectiveFrom: isoDate(input.effectiveFrom)!,
          add: (input.add ?? []).map((day) => ({ ...day, date: isoDate(day.date)! })),
          remove: (input.remove ?? []).map((day) => ({ ...day, date: isoDate(day.date)! })),
        }),
      );
    },
  },
  ServiceCalendar: {
    region: (calendar) => (calendar.region === DEFAULT_REGION ? null : calendar.region),
    opensAt: (calendar) => timeOf(calendar.opensMinute),
    closesAt: (calendar) => timeOf(calendar.closesMinute),
    publishedAt: (calendar) => calendar.createdAt,
    closingDays: async (calendar, _, context) =>
      (await authenticated(context).loaders.closingDaysByCalendarId.load(calendar.id)).map((day) => ({
        date: day.day,
        name: day.name,
        countryCode: day.countryCode === EVERY_COUNTRY ? null : day.countryCode,
      })),
  },
};
