import type { ReactNode } from 'react'
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'

export interface UsagePoint {
  readonly day: string
  readonly accepted: number
  readonly refused: number
}

/** Accepted and refused requests per day, stacked (recharts). A picture: the usage table says the same in words. */
export default function UsageChart({ points }: { points: readonly UsagePoint[] }): ReactNode {
  return (
      <figure className="usage-chart" aria-hidden="true">
        <ResponsiveContainer width="100%" height={200}>
          <BarChart data={[...points]} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" interval="preserveStartEnd" minTickGap={24} tick={{ fontSize: 11 }} />
            <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
            <Tooltip isAnimationActive={false} />
            <Legend verticalAlign="top" height={24} iconType="square" wrapperStyle={{ fontSize: 12 }} />
            <Bar dataKey="accepted" name="Accepted" stackId="requests" fill="#2f6f4f" isAnimationActive={false} />
            <Bar dataKey="refused" name="Refused" stackId="requests" fill="#b3261e" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </figure>
  )
}
